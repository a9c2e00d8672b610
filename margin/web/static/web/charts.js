/* Margin's charts: every <canvas data-chart="ID"> is drawn from the JSON of the element #ID (written by Django's
   json_script), as {kind: "bar" | "hbar" | "line", data: Chart.js data, digits: optional decimals, zero: true for a
   line whose axis starts at zero, ceiling: a line's axis reaches at least this (100 for a share)}. Each dataset carries its `unit` (a currency, "h" or "%"), used by the tooltips
   and the axis. Labels are drawn on the
   canvas, never inserted as HTML. The home's charts, the exchange-rate chart and a contract's revenue use it. */
(function () {
  "use strict";

  // Literal colours: Tabler's variables use light-dark(), which Chart.js cannot parse.
  var MUTED = "#6b7280";
  var GRID = "rgba(24, 36, 51, 0.08)";
  var ROW = 34; // pixels per category (its bars) of a horizontal chart

  function number(value, unit, digits) {
    digits = digits || (unit === "h" || unit === "%" ? 1 : 2);
    return Number(value).toLocaleString(undefined, { minimumFractionDigits: 0, maximumFractionDigits: digits });
  }

  function labeller(digits) {
    return function (item) {
      var unit = item.dataset.unit || "";
      var value = item.chart.options.indexAxis === "y" ? item.parsed.x : item.parsed.y;
      if (value === null || value === undefined) return null;
      return item.dataset.label + ": " + number(value, unit, digits) + (unit === "%" ? " %" : " " + unit);
    };
  }

  function options(spec) {
    var horizontal = spec.kind === "hbar";
    var units = spec.data.datasets.map(function (d) { return d.unit || ""; });
    var unit = units.every(function (u) { return u === units[0]; }) ? units[0] : "";
    var valueAxis = {
      grid: { color: GRID },
      border: { display: false },
      beginAtZero: true,
      ticks: {
        color: MUTED,
        callback: function (value) { return number(value, unit, spec.digits) + (unit === "%" ? " %" : ""); },
      },
    };
    var categoryAxis = { grid: { display: false }, ticks: { color: MUTED, maxTicksLimit: 12, autoSkip: true } };
    if (spec.kind === "line") {
      valueAxis.beginAtZero = spec.zero === true; // rates move within a narrow band; money to date starts at zero
      if (typeof spec.ceiling === "number") valueAxis.suggestedMax = spec.ceiling; // a share: 0–100 % even when flat
      spec.data.datasets.forEach(function (d) {
        d.borderColor = d.borderColor || "#066fd1";
        d.backgroundColor = d.backgroundColor || "rgba(6, 111, 209, 0.08)";
        d.borderWidth = 2;
        d.pointRadius = d.data.length > 60 ? 0 : 2;
        d.fill = true;
        d.tension = 0;
      });
    }
    return {
      indexAxis: horizontal ? "y" : "x",
      interaction: spec.kind === "line" ? { mode: "index", intersect: false } : undefined,
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      datasets: { bar: { borderRadius: 4, maxBarThickness: horizontal ? 14 : 36 } },
      plugins: {
        legend: {
          display: spec.data.datasets.length > 1,
          // A line among bars (capacity) is drawn as a line in the legend: each dataset's own pointStyle.
          labels: { color: MUTED, boxWidth: 12, usePointStyle: spec.data.datasets.some(function (d) { return d.type === "line"; }) },
        },
        tooltip: { callbacks: { label: labeller(spec.digits) } },
      },
      scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    if (spec.kind === "hbar" && canvas.parentElement) {
      // A horizontal chart grows with its bars (the CSS height suits a handful).
      canvas.parentElement.style.height = Math.max(140, 70 + spec.data.labels.length * ROW) + "px";
    }
    canvas.setAttribute("data-chart-drawn", "");
    new window.Chart(canvas, { type: spec.kind === "line" ? "line" : "bar", data: spec.data, options: options(spec) });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();

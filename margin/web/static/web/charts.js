/* Margin's charts: every <canvas data-chart="ID"> is drawn from the JSON of the element #ID (written by Django's
   json_script), as {kind: "bar" | "hbar", data: Chart.js data}. Each dataset carries its `unit` (a currency, "h"
   or "%"), used by the tooltips and the axis. Labels are drawn on the canvas, never inserted as HTML. */
(function () {
  "use strict";

  // Literal colours: Tabler's variables use light-dark(), which Chart.js cannot parse.
  var MUTED = "#6b7280";
  var GRID = "rgba(24, 36, 51, 0.08)";
  var ROW = 34; // pixels per category (its bars) of a horizontal chart

  function number(value, unit) {
    var digits = unit === "h" || unit === "%" ? 1 : 2;
    return Number(value).toLocaleString(undefined, { minimumFractionDigits: 0, maximumFractionDigits: digits });
  }

  function label(item) {
    var unit = item.dataset.unit || "";
    var value = item.chart.options.indexAxis === "y" ? item.parsed.x : item.parsed.y;
    if (value === null || value === undefined) return null;
    return item.dataset.label + ": " + number(value, unit) + (unit === "%" ? " %" : " " + unit);
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
        callback: function (value) { return number(value, unit) + (unit === "%" ? " %" : ""); },
      },
    };
    var categoryAxis = { grid: { display: false }, ticks: { color: MUTED } };
    return {
      indexAxis: horizontal ? "y" : "x",
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
        tooltip: { callbacks: { label: label } },
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
    new window.Chart(canvas, { type: "bar", data: spec.data, options: options(spec) });
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

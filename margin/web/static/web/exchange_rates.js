/* Settings → Exchange rates: a line chart of one currency pair over time (Chart.js from npm). */
(function () {
  "use strict";

  function draw() {
    var canvas = document.getElementById("fx-chart");
    var source = document.getElementById("fx-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    // Literal colours: Tabler's variables use light-dark(), which Chart.js cannot parse.
    var muted = "#6b7280";
    var grid = "rgba(24, 36, 51, 0.08)";
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.title,
          data: data.values,
          borderColor: "#066fd1",
          backgroundColor: "rgba(6, 111, 209, 0.08)",
          borderWidth: 2,
          pointRadius: data.values.length > 60 ? 0 : 2,
          fill: true,
          tension: 0,
        }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: false } },
        scales: {
          x: { grid: { display: false }, ticks: { color: muted, maxTicksLimit: 8, autoSkip: true } },
          y: { grid: { color: grid }, border: { display: false }, ticks: { color: muted } },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

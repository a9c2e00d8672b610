/* Margin's little bit of browser code: the home chart, group checkboxes, printing, error toasts. */
(function () {
  "use strict";

  function marginChart() {
    var canvas = document.getElementById("margin-chart");
    var source = document.getElementById("margin-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    // Literal colours: Tabler's variables use light-dark(), which Chart.js cannot parse.
    var muted = "#6b7280";
    var grid = "rgba(24, 36, 51, 0.08)";
    new window.Chart(canvas, {
      type: "bar",
      data: data,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: data.datasets.length > 1, labels: { color: muted, boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                var currency = item.dataset.label.replace(/^.*\((.*)\)$/, "$1");
                return item.parsed.y.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " " + currency;
              },
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { color: muted } },
          y: {
            grid: { color: grid },
            border: { display: false },
            ticks: {
              color: muted,
              callback: function (value) { return Number(value).toLocaleString(); },
            },
          },
        },
      },
    });
  }

  function toast(message) {
    var box = document.getElementById("toasts");
    if (!box) { window.alert(message); return; }
    var el = document.createElement("div");
    el.className = "alert alert-danger alert-dismissible shadow-sm mb-2";
    el.setAttribute("role", "alert");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }

  // Time → Timer: open the timer of the top bar.
  document.addEventListener("click", function (event) {
    var item = event.target.closest && event.target.closest("[data-open-timer]");
    if (!item) return;
    event.preventDefault();
    var opener = document.querySelector("[data-timer-open]");
    if (opener) opener.click();
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-select-group]")) {
      var key = target.getAttribute("data-select-group");
      document.querySelectorAll('input[name="entry"][data-group="' + key + '"]').forEach(function (box) {
        box.checked = target.checked;
      });
    }
  });

  // <select data-autosubmit>: choosing an option submits its form (no inline handlers: the CSP forbids them).
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) { select.form.submit(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest('[data-action="print"]');
    if (target) { window.print(); }
  });

  document.addEventListener("htmx:responseError", function (event) {
    toast("The server could not complete that (" + event.detail.xhr.status + "). Nothing was changed; please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Margin cannot be reached. Check your connection; nothing was saved.");
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", marginChart);
  } else {
    marginChart();
  }
})();

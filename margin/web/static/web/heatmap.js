/* The resource heatmap: a click on a cell shows that person's bookings that week (GET, into #heat-detail); in a
   person's opened row each booking is a bar over the weeks, dragged to move it or by its right edge to resize it
   (whole days). A drop sends POST .../bookings/<id>/move/ {shift_days, resize_days, start, weeks} through htmx
   (which adds the CSRF header of <body hx-headers>) and the server answers the person's rows redrawn: cells,
   load and bars, or unchanged with the refusal. Bars are placed from their data-start/data-span (days from the
   window's first day); nothing here writes HTML from data. */
(function () {
  "use strict";

  var table = document.getElementById("heatmap");
  if (!table) return;
  var base = table.dataset.base;
  var ROW_PX = 24;

  function layout(root) {
    (root || table).querySelectorAll(".heat-bars").forEach(function (box) {
      var days = Number(box.dataset.days) || 1;
      var count = Number(box.dataset.count) || 0;
      box.style.height = Math.max(ROW_PX, count * ROW_PX + 4) + "px";
      box.style.setProperty("--heat-weeks", String(Math.round(days / 7)));
      box.querySelectorAll(".heat-bar").forEach(function (bar) {
        var start = Number(bar.dataset.start), span = Number(bar.dataset.span);
        bar.style.left = (100 * start / days) + "%";
        bar.style.width = (100 * span / days) + "%";
        bar.style.top = (2 + Number(bar.dataset.row) * ROW_PX) + "px";
      });
    });
  }

  function weekOf(index) {
    var th = table.querySelectorAll("thead th.heat-week")[index];
    return th ? th.dataset.week : null;
  }

  table.addEventListener("click", function (event) {
    var cell = event.target.closest("td.heat");
    if (!cell) return;
    var body = cell.closest("tbody[data-person]");
    var week = weekOf(Number(cell.dataset.i));
    if (!body || !week || !window.htmx) return;
    window.htmx.ajax("GET", base + "people/" + body.dataset.person + "/weeks/" + week + "/", { target: "#heat-detail", swap: "innerHTML" });
  });

  var drag = null;

  table.addEventListener("pointerdown", function (event) {
    var bar = event.target.closest(".heat-bar-movable");
    if (!bar || event.button !== 0) return;
    var box = bar.closest(".heat-bars");
    event.preventDefault();
    bar.setPointerCapture(event.pointerId);
    drag = {
      bar: bar,
      edge: !!event.target.closest("[data-edge]"),
      x: event.clientX,
      perDay: box.getBoundingClientRect().width / (Number(box.dataset.days) || 1),
      left: bar.style.left,
      width: bar.style.width,
      days: 0,
    };
    bar.classList.add("heat-bar-dragging");
  });

  table.addEventListener("pointermove", function (event) {
    if (!drag) return;
    var days = Math.round((event.clientX - drag.x) / drag.perDay);
    if (drag.edge) {
      var span = Number(drag.bar.dataset.span);
      if (span + days < 1) days = 1 - span;
      drag.bar.style.width = "calc(" + drag.width + " + " + (days * drag.perDay) + "px)";
    } else {
      drag.bar.style.left = "calc(" + drag.left + " + " + (days * drag.perDay) + "px)";
    }
    drag.days = days;
  });

  function drop() {
    if (!drag) return;
    var d = drag;
    drag = null;
    d.bar.classList.remove("heat-bar-dragging");
    if (d.days === 0) { d.bar.style.left = d.left; d.bar.style.width = d.width; return; }
    var body = d.bar.closest("tbody[data-person]");
    window.htmx.ajax("POST", base + "bookings/" + d.bar.dataset.booking + "/move/", {
      target: "#" + body.id,
      swap: "outerHTML",
      values: {
        shift_days: d.edge ? 0 : d.days,
        resize_days: d.edge ? d.days : 0,
        start: table.dataset.start,
        weeks: table.dataset.weeks,
      },
    });
  }
  table.addEventListener("pointerup", drop);
  table.addEventListener("pointercancel", drop);

  // Keyboard: a focused bar moves a day with ← and →, and its end with Shift+← / Shift+→.
  table.addEventListener("keydown", function (event) {
    var bar = event.target.closest && event.target.closest(".heat-bar-movable");
    if (!bar || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) return;
    event.preventDefault();
    var days = event.key === "ArrowLeft" ? -1 : 1;
    var body = bar.closest("tbody[data-person]");
    window.htmx.ajax("POST", base + "bookings/" + bar.dataset.booking + "/move/", {
      target: "#" + body.id,
      swap: "outerHTML",
      values: { shift_days: event.shiftKey ? 0 : days, resize_days: event.shiftKey ? days : 0, start: table.dataset.start, weeks: table.dataset.weeks },
    });
  });

  document.body.addEventListener("htmx:afterSettle", function () { layout(); });
  layout();
})();

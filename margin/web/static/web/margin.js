/* Margin's little bit of browser code: group checkboxes, printing, error toasts (charts: charts.js). */
(function () {
  "use strict";

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
      var name = target.getAttribute("data-select-name") || "entry";
      document.querySelectorAll('input[name="' + name + '"][data-group="' + key + '"]').forEach(function (box) {
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
})();

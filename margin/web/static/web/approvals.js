/* The approvals inbox: open a row's rejection reason, and let Enter in a reason field reject
   (instead of submitting the form's first button, which approves). */
(function () {
  "use strict";

  /* An entry's rejection row is made on first use from the page's one template. */
  function rejectRow(id, entryRow) {
    var template = document.getElementById("reject-row-template");
    if (!template || !entryRow || !/^\d+$/.test(id)) return null;
    var row = template.content.firstElementChild.cloneNode(true);
    row.id = "reject-" + id;
    row.hidden = true;
    row.querySelectorAll("[name], [value], [id], [data-enter-clicks]").forEach(function (el) {
      ["name", "value", "id", "data-enter-clicks"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && value.indexOf("ENTRY") !== -1) el.setAttribute(attr, value.replace("ENTRY", id));
      });
    });
    entryRow.after(row);
    if (window.htmx) window.htmx.process(row);
    return row;
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-reject-toggle]");
    if (!toggle) return;
    var id = toggle.getAttribute("data-reject-toggle");
    var row = document.getElementById("reject-" + id) || rejectRow(id, toggle.closest("tr"));
    if (!row) return;
    row.hidden = !row.hidden;
    toggle.setAttribute("aria-expanded", row.hidden ? "false" : "true");
    if (!row.hidden) {
      var input = row.querySelector("input[type=text]");
      if (input) input.focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var input = event.target.closest && event.target.closest("[data-enter-clicks]");
    if (!input) return;
    event.preventDefault();
    var name = input.getAttribute("data-enter-clicks");
    var button = document.getElementById(name) || document.querySelector('[data-testid="' + name + '"]');
    if (button) button.click();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    // After a refused rejection the row stays open: put the cursor back in its reason.
    var open = document.querySelector(".approvals-rejectrow:not([hidden]) input.is-invalid");
    if (open && event.target && event.target.id === "approvals") open.focus();
  });
})();

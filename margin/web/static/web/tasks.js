/* The Tasks tab's keyboard: Enter saves and goes to the same column one row down, Escape puts the stored value
   back. Saving itself is htmx (hx-trigger="change" on each cell input); htmx keeps the focus on the input with
   the same id after the table is swapped, so Tab, Enter and clicks carry on where the user is. */
(function () {
  "use strict";

  function cellBelow(input) {
    var parts = input.id.split("-"); // c-<task>-<field>
    var row = input.closest("tr");
    for (var next = row && row.nextElementSibling; next; next = next.nextElementSibling) {
      var target = next.querySelector("#c-" + next.getAttribute("data-task") + "-" + parts[2]);
      if (target) return target;
    }
    return null;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("tt-input") || input.tagName !== "INPUT") return;
    if (event.key === "Enter") {
      event.preventDefault();
      var below = cellBelow(input);
      if (below) { below.focus(); below.select(); } else { input.blur(); }
    } else if (event.key === "Escape") {
      input.value = input.defaultValue;
      input.classList.remove("is-invalid");
      input.select();
    }
  });

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input.classList && input.classList.contains("tt-input") && input.tagName === "INPUT") input.select();
  });

  // The task page's delete form asks first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  // The table is redrawn after every save; what the user already typed into the next cell must survive that.
  var typing = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    typing = null;
    if (active && active.id && active.classList.contains("tt-input") && active.tagName === "INPUT" &&
        active.value !== active.defaultValue) {
      typing = { id: active.id, value: active.value, start: active.selectionStart, end: active.selectionEnd };
    }
  });

  // After a refused edit, put the cursor back in the cell that was refused.
  document.addEventListener("htmx:afterSettle", function () {
    if (typing) {
      var again = document.getElementById(typing.id);
      if (again && !again.classList.contains("is-invalid")) {
        again.value = typing.value;
        again.focus();
        again.setSelectionRange(typing.start, typing.end);
      }
      typing = null;
    }
    var invalid = document.querySelector("#task-table .tt-input.is-invalid");
    if (invalid) { invalid.focus(); }
  });
})();

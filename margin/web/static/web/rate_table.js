/* The rate table's "Add a row": a copy of the formset's empty row with the next index (DOM nodes only). */
(function () {
  "use strict";

  function addRow(table) {
    var total = table.querySelector("input[name$='-TOTAL_FORMS']");
    var template = table.querySelector("template[data-rate-template]");
    var body = table.querySelector("[data-rate-rows]");
    if (!total || !template || !body) return;
    var index = String(parseInt(total.value, 10) || 0);
    var row = template.content.firstElementChild.cloneNode(true);
    row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace("__prefix__", index));
      });
    });
    body.appendChild(row);
    total.value = String(Number(index) + 1);
    var first = row.querySelector("select, input");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-rate-add]");
    if (!button) return;
    var table = button.closest("[data-rate-table]");
    if (table) addRow(table);
  });
})();

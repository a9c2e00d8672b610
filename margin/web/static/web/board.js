/* The Kanban board: SortableJS drags cards between columns (and assignee swimlanes); a drop POSTs the move
   with htmx, and the answer swaps the changed columns in out of band. */
(function () {
  "use strict";

  function board() { return document.getElementById("board"); }

  function sameProject(el, project) {
    return el && el.classList && el.classList.contains("board-card") && el.dataset.project === project;
  }

  /* The card's place in its project's column: ranks are rendered by the server (0, 1, … per project and
     column); swimlanes split a column, so place the card before the next card of its project in the lane,
     or after the previous one, or at the end of the column. */
  function positionOf(item, from, to) {
    var project = item.dataset.project;
    var old = Number(item.dataset.rank);
    var sameColumn = from.dataset.status === to.dataset.status;
    function rank(el) {
      var r = Number(el.dataset.rank);
      return sameColumn && r > old ? r - 1 : r;
    }
    var next = item.nextElementSibling;
    while (next && !sameProject(next, project)) next = next.nextElementSibling;
    if (next) return rank(next);
    var prev = item.previousElementSibling;
    while (prev && !sameProject(prev, project)) prev = prev.previousElementSibling;
    if (prev) return rank(prev) + 1;
    return 1000000;
  }

  function dropped(evt) {
    var root = board();
    var item = evt.item, from = evt.from, to = evt.to;
    if (from === to && evt.oldIndex === evt.newIndex) return;
    var values = {
      status: to.dataset.status,
      position: positionOf(item, from, to),
      scope: root.dataset.scope,
      lanes: root.dataset.lanes,
    };
    if (root.dataset.lanes === "assignee" && from.dataset.lane !== to.dataset.lane) {
      values.assignee = to.dataset.person || "";
    }
    root.classList.add("board-busy");
    window.htmx.ajax("POST", root.dataset.moveUrl.replace("/0/", "/" + item.dataset.task + "/"), {
      source: root,
      swap: "none",
      values: values,
    }).finally(function () { root.classList.remove("board-busy"); });
  }

  function init(elt) {
    var root = board();
    if (!root || typeof window.Sortable === "undefined") return;
    var cells = elt.classList && elt.classList.contains("board-cell") ? [elt] : elt.querySelectorAll(".board-cell");
    cells.forEach(function (cell) {
      if (cell.dataset.sortable) return;
      cell.dataset.sortable = "1";
      window.Sortable.create(cell, {
        group: root.dataset.lanes === "phase" ? "lane-" + cell.dataset.lane : "board",
        draggable: ".board-card",
        animation: 120,
        forceFallback: true, // mouse events, not native drag and drop: the same in every browser and in tests
        ghostClass: "board-ghost",
        onEnd: dropped,
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!board() || !window.htmx) return;
    window.htmx.onLoad(init);
  });
})();

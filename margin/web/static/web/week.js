/* My week: spreadsheet keys over the grid, per-cell save states, cell notes, the add-a-row search.
 *
 * Cells save themselves through htmx (hx-post on change); this file only moves the focus, marks
 * cells unsaved / saving (the server answers saved / invalid in the swapped cell), and opens notes.
 */
(function () {
  "use strict";

  function grid() { return document.querySelector("[data-week-grid]"); }

  function isCellInput(el) { return el && el.classList && el.classList.contains("week-input"); }

  function cellOf(input) { return input.closest("td.week-cell"); }

  /* Row r, column c of an input among the week cells (7 per row). */
  function position(input) {
    var td = cellOf(input);
    var tr = td.parentElement;
    var rows = Array.prototype.slice.call(grid().querySelectorAll("tbody > tr"));
    var cells = Array.prototype.slice.call(tr.querySelectorAll("td.week-cell"));
    return { r: rows.indexOf(tr), c: cells.indexOf(td), rows: rows };
  }

  function inputAt(rows, r, c) {
    var tr = rows[r];
    if (!tr) return null;
    var td = tr.querySelectorAll("td.week-cell")[c];
    return td ? td.querySelector("input.week-input") : null;
  }

  function focusCell(input) {
    if (!input) return false;
    input.focus();
    input.select();
    return true;
  }

  /* Step from an input in a direction, skipping locked cells (they have no input). */
  function step(input, dr, dc) {
    var at = position(input);
    var r = at.r + dr, c = at.c + dc;
    while (r >= 0 && r < at.rows.length && c >= 0 && c < 7) {
      var next = inputAt(at.rows, r, c);
      if (next) return next;
      r += dr; c += dc;
    }
    return null;
  }

  function flat(input, delta) {
    var all = Array.prototype.slice.call(grid().querySelectorAll("input.week-input"));
    return all[all.indexOf(input) + delta] || null;
  }

  function allSelected(input) {
    return input.selectionStart === 0 && input.selectionEnd === input.value.length;
  }

  function markState(input) {
    var td = cellOf(input);
    if (!td || td.dataset.state === "saving") return;
    var dirty = input.value.trim() !== (input.dataset.saved || "");
    if (dirty) { td.dataset.state = "unsaved"; }
    else if (td.dataset.state === "unsaved") { td.dataset.state = "clean"; }
  }

  function openNote(input) {
    var td = cellOf(input);
    var pop = td && td.querySelector("[data-note-pop]");
    if (pop && pop.showPopover) { pop.showPopover(); }
  }

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (isCellInput(el)) {
      var key = event.key, target = null, handled = true;
      if (key === "Tab") { target = flat(el, event.shiftKey ? -1 : 1); handled = !!target; }
      else if (key === "Enter") {
        // Moving the focus saves the cell (change on blur); with nowhere to go, save it in place.
        target = step(el, event.shiftKey ? -1 : 1, 0);
        if (!target && el.value.trim() !== (el.dataset.saved || "")) { el.dispatchEvent(new Event("change", { bubbles: true })); }
      }
      else if (key === "ArrowUp") { target = step(el, -1, 0); }
      else if (key === "ArrowDown") { target = step(el, 1, 0); }
      else if (key === "ArrowLeft" && (allSelected(el) || (el.selectionStart === 0 && el.selectionEnd === 0))) { target = step(el, 0, -1); }
      else if (key === "ArrowRight" && (allSelected(el) || (el.selectionStart === el.value.length && el.selectionEnd === el.value.length))) { target = step(el, 0, 1); }
      else if (key === "Escape") { el.value = el.dataset.saved || ""; markState(el); el.select(); }
      else if ((key === "n" || key === "N") && event.altKey) { openNote(el); }
      else { handled = false; }
      if (handled) { event.preventDefault(); }
      if (target) { focusCell(target); }
      return;
    }
    if (el.matches && el.matches("[data-note-pop] textarea") && key_is_save(event)) {
      event.preventDefault();
      el.closest("[data-note-pop]").querySelector("[data-testid=note-save]").click();
      return;
    }
    if (el.id === "week-add-q" || (el.closest && el.closest("#week-add-results"))) { searchKeys(event, el); }
  });

  var pickFirst = false;
  var focusedResult = null;

  /* A slower search can answer after Down moved into the results: the new list keeps the focus on the
     same task (or the first result) instead of dropping it to the page. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var box = event.detail.target;
    if (!box || box.id !== "week-add-results") return;
    var active = document.activeElement;
    focusedResult = active && box.contains(active) ? active.getAttribute("data-add-task") : null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var box = event.detail.target;
    if (box && box.id === "week-add-results" && focusedResult) {
      var again = box.querySelector("[data-add-task='" + focusedResult + "']") || box.querySelector("[data-add-task]");
      focusedResult = null;
      if (again) again.focus();
    }
    if (!pickFirst || !box || box.id !== "week-add-results") return;
    var input = document.getElementById("week-add-q");
    var shown = box.querySelector("[data-query]");
    if (input && shown && shown.getAttribute("data-query") === input.value.trim()) {
      pickFirst = false;
      var first = box.querySelector("[data-add-task]");
      if (first) first.click();
    }
  });

  function key_is_save(event) { return event.key === "Enter" && (event.ctrlKey || event.metaKey); }

  /* The add-a-row search: Down enters the results, Up/Down move, Enter picks, Esc clears. */
  function searchKeys(event, el) {
    var box = document.getElementById("week-add-results");
    var items = box ? Array.prototype.slice.call(box.querySelectorAll("[data-add-task]")) : [];
    var index = items.indexOf(el);
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (items[index + 1]) items[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (index > 0) items[index - 1].focus(); else document.getElementById("week-add-q").focus();
    } else if (event.key === "Enter" && el.id === "week-add-q") {
      event.preventDefault();
      var shown = box && box.querySelector("[data-query]");
      if (shown && shown.getAttribute("data-query") === el.value.trim()) {
        if (items[0]) items[0].click();
      } else {
        // The results are of an older query (typing was faster than the search): pick when they arrive.
        pickFirst = true;
        if (window.htmx) window.htmx.trigger(el.form, "submit");
      }
    } else if (event.key === "Escape") {
      box.innerHTML = "";
      document.getElementById("week-add-q").focus();
    }
  }

  document.addEventListener("focusin", function (event) {
    if (isCellInput(event.target)) { event.target.select(); }
  });

  document.addEventListener("input", function (event) {
    if (isCellInput(event.target)) { markState(event.target); }
  });

  /* Two quick saves can answer out of order: the totals an older answer brings must not replace those
     of a newer one. Every total carries when the server read its state (data-rev, in µs). */
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    var incoming = fragment && (fragment.firstElementChild || fragment);
    var next = incoming && incoming.getAttribute ? Number(incoming.getAttribute("data-rev")) : 0;
    var current = Number(event.detail.target.getAttribute("data-rev"));
    if (next && current && next < current) { event.detail.shouldSwap = false; }
  });

  /* A project that needs a note with every entry: hours typed into a cell with no note open the
     note instead of saving (the server refuses them anyway); "Save note" then sends both. */
  function needsNote(el) {
    return isCellInput(el) && el.dataset.noteRequired === "missing" && el.value.trim() !== "";
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (needsNote(el)) {
      event.preventDefault();
      markState(el);
      var pop = cellOf(el).querySelector("[data-note-pop]");
      if (pop) pop.classList.add("week-note-needed");
      openNote(el);
      return;
    }
    var td = el && el.closest && el.closest("td.week-cell");
    if (td) { td.dataset.state = "saving"; }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail.elt;
    var td = el && el.closest && el.closest("td.week-cell");
    // A network failure leaves the old cell in place: show it as not saved.
    if (td && td.isConnected && td.dataset.state === "saving" && !event.detail.successful && !event.detail.xhr.status) {
      td.dataset.state = "unsaved";
    }
  });

  /* A row added by a plain page load (its link followed before htmx took it over): the caret goes to it. */
  document.addEventListener("DOMContentLoaded", function () {
    var rows = document.getElementById("week-rows");
    var wanted = rows && rows.dataset.focusTask;
    if (wanted) {
      var row = rows.querySelector('tr[data-task="' + CSS.escape(wanted) + '"]');
      focusCell(row && row.querySelector("input.week-input"));
    }
  });

  /* After a row was added, put the caret in its first editable day. */
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var added = source && source.getAttribute && source.getAttribute("data-add-task");
    if (added) {
      var row = document.querySelector('#week-rows tr[data-task="' + added + '"]');
      focusCell(row && row.querySelector("input.week-input"));
    }
  });

  /* A note popover opens next to its cell (popovers live in the top layer, never clipped). */
  document.addEventListener("toggle", function (event) {
    var pop = event.target;
    if (!pop.matches || !pop.matches("[data-note-pop]") || event.newState !== "open") return;
    var rect = cellOf(pop).getBoundingClientRect();
    var width = Math.min(300, window.innerWidth - 16);
    var left = Math.max(8, Math.min(rect.left, window.innerWidth - width - 8));
    var top = rect.bottom + 4;
    if (top + 170 > window.innerHeight) top = Math.max(8, rect.top - 174);
    pop.style.left = left + "px";
    pop.style.top = top + "px";
    pop.style.width = width + "px";
    var text = pop.querySelector("textarea");
    if (text) { text.focus(); text.setSelectionRange(text.value.length, text.value.length); }
  }, true);

  /* Leaving the page: a cell whose save is on its way delays a link click until it is answered
     (the browser would drop it otherwise); typed but unsaved cells ask before the tab closes. */
  function busyCells(states) {
    return document.querySelectorAll(states.map(function (s) { return 'td.week-cell[data-state="' + s + '"]'; }).join(","));
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || link.hasAttribute("hx-get") || event.defaultPrevented || !grid()) return;
    if (!busyCells(["saving"]).length) return;
    event.preventDefault();
    var waited = 0;
    var wait = setInterval(function () {
      waited += 50;
      if (!busyCells(["saving"]).length || waited > 5000) { clearInterval(wait); window.location.href = link.href; }
    }, 50);
  }, true);

  window.addEventListener("beforeunload", function (event) {
    if (grid() && busyCells(["unsaved", "saving"]).length) { event.preventDefault(); event.returnValue = ""; }
  });

  /* The timer was stopped (here, in another tab, or by the poll): show its entry in the grid. */
  document.addEventListener("margin:timer-stopped", function () {
    var box = document.getElementById("week-grid");
    if (!box || !window.htmx) return;
    var busy = document.querySelector('td.week-cell[data-state="unsaved"], td.week-cell[data-state="saving"]');
    if (busy) return; // never throw away what the person is typing
    window.htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#week-grid", swap: "outerHTML" });
  });
})();

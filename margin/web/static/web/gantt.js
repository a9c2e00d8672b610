/* The project plan: frappe-gantt fed by GET /api/v1/projects/{id}/gantt; every drag, resize, progress change,
   indent/outdent, link and baseline goes through the API, which reschedules; the chart then redraws from the
   fresh data (moved successors, critical path, summaries). Dates are shown by day in the project's time zone:
   the API answers datetimes in that zone, so their first ten characters are the local day.
   A resize sends the new finish day and the server counts the duration on the project's calendar. A manager draws a
   link by dragging from the circle at either end of a bar onto another bar (its start or finish half picks the kind).
   Long outlines are drawn as a window: only the rows near the viewport go to frappe-gantt, between spacers of the
   height of the rows left out, on a timeline fixed for the whole plan; scrolling moves the window. */
(function () {
  "use strict";

  var root = document.getElementById("plan");
  if (!root || typeof window.Gantt === "undefined") return;
  var api = root.dataset.api;
  var projectId = root.dataset.project;
  var canManage = root.dataset.canManage === "true";
  var csrf = (JSON.parse(document.body.getAttribute("hx-headers") || "{}") || {})["X-CSRFToken"];
  var DAY_MINUTES = 480;
  // Above this many tasks the chart opens with the top-level summaries collapsed (an outline, as MS Project's
  // "outline level 1"); every summary row of the list expands or collapses its subtasks.
  var COLLAPSE_OVER = 300;
  // Above this many rows only a window of them (the visible ones and MARGIN_ROWS either side) is drawn.
  var WINDOW_OVER = 150;
  var MARGIN_ROWS = 40;
  var ROW_HEIGHT = 34; // bar_height + padding below; the task list rows have the same height (margin.css)
  var LINK_KINDS = { finishstart: "FS", startstart: "SS", finishfinish: "FF", startfinish: "SF" };
  var KIND_NAMES = { FS: "Finish-to-start", SS: "Start-to-start", FF: "Finish-to-finish", SF: "Start-to-finish" };
  var state = {
    data: null, byId: {}, mode: "Week", baseline: "", first: true, rescheduled: false, collapsed: null,
    rows: [], preds: {}, span: null, from: 0, to: 0,
  };
  var busy = false; // a mouse button is down on the chart (a drag): the window waits for it
  var linking = null; // a link being drawn
  var gantt = null;

  var QUARTER = {
    name: "Quarter",
    padding: "6m",
    step: "3m",
    column_width: 120,
    date_format: "YYYY-MM",
    lower_text: function (d) { return "Q" + (Math.floor(d.getMonth() / 3) + 1); },
    upper_text: function (d, ld) { return !ld || d.getFullYear() !== ld.getFullYear() ? String(d.getFullYear()) : ""; },
    upper_text_frequency: 4,
    thick_line: function (d) { return d.getMonth() === 0; },
    snap_at: "7d",
  };
  var MODES = ["Day", "Week", "Month", QUARTER, "Year"];

  function $(id) { return document.getElementById(id); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function isoDay(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function day(value) { return value ? value.slice(0, 10) : ""; }
  function parseDay(text) { var p = text.split("-"); return new Date(+p[0], +p[1] - 1, +p[2]); }
  function days(minutes) { return String(Math.round((minutes / DAY_MINUTES) * 100) / 100); }
  // Every name is text. The list and the links table are built as DOM nodes (textContent); frappe-gantt writes a
  // bar's label and its popup's lines with innerHTML, so what it is handed goes through esc(), which escapes all
  // five of & < > " ' (the entities render as the characters, nothing in a name becomes markup).
  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) { return ESCAPES[c]; });
  }
  // A DOM element: attributes (set with setAttribute, never parsed) and children (strings become text nodes).
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined && attrs[name] !== false) node.setAttribute(name, String(attrs[name]));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === "") return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function say(text, kind) {
    var box = $("plan-status");
    box.textContent = text || "";
    box.className = "plan-status small px-3 py-2" + (kind === "error" ? " text-danger" : kind === "ok" ? " text-success" : "");
  }

  function call(method, path, body) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf },
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    return fetch(api + path, init).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.detail || "The server answered " + response.status + ".");
        return data;
      });
    });
  }

  function load() {
    var query = state.baseline !== "" ? "?baseline=" + state.baseline : "";
    var asked = performance.now();
    return call("GET", "/projects/" + projectId + "/gantt" + query).then(function (data) {
      var unscheduled = data.tasks.some(function (t) { return !t.start; });
      if (unscheduled && canManage && !state.rescheduled) {
        // Tasks added since the plan was last scheduled: schedule it once, then draw.
        state.rescheduled = true;
        return call("POST", "/projects/" + projectId + "/reschedule").then(load);
      }
      root.dataset.fetchMs = String(Math.round(performance.now() - asked));
      state.data = data;
      state.byId = {};
      data.tasks.forEach(function (t) { state.byId[String(t.id)] = t; });
      renderLinks(data);
      if (state.collapsed === null) {
        state.collapsed = {};
        if (data.tasks.length > COLLAPSE_OVER) {
          data.tasks.forEach(function (t) { if (t.summary && t.depth === 0) state.collapsed[t.id] = true; });
        }
      }
      render();
    }).catch(function (error) { say(error.message, "error"); });
  }

  function changed(answer) {
    var n = answer.moved.length;
    var text = n === 0 ? "Nothing moved." : n === 1 ? "1 task moved." : n + " tasks moved.";
    if (answer.conflicts.length) {
      text += " Conflicts: " + answer.conflicts.map(function (c) { return c.message; }).join(" ");
    }
    say(text, answer.conflicts.length ? "error" : "ok");
    return load();
  }

  function refused(error) {
    say(error.message, "error");
    return load();
  }

  function send(method, path, body) {
    say("Saving…");
    return call(method, path, body).then(changed, refused);
  }

  function barClass(t) {
    if (t.summary) return t.critical ? "g-summary-critical" : "g-summary";
    if (t.milestone) return t.critical ? "g-milestone-critical" : "g-milestone";
    if (state.delays && state.delays[t.id] > 0) return "g-leveled"; // a leveling proposal delays it (leveling.js)
    return t.critical ? "g-critical" : "g-task";
  }

  // frappe-gantt 1.x reports a date change on every mouse move of a drag; keep the last one and send it when the
  // mouse button is released.
  var pending = null;

  function onDateChange(task, start, end) {
    pending = { id: task.id, start: new Date(start), end: new Date(end) };
  }

  // What the mouse grabbed decides what a drag means, in every view: the bar's body moves it (only the new start is
  // sent: the duration stays), its right end changes the finish, its left end the start with the finish kept. The
  // days frappe-gantt reports are not compared to guess it: in the Month or Year view a moved bar's end lands on
  // another day count than its start (months differ in length), which once turned a move into a resize.
  var gesture = null;

  function flushDateChange() {
    var change = pending, grabbed = gesture;
    pending = null;
    gesture = null;
    var row = change && state.byId[change.id];
    if (!row) return;
    var start = isoDay(change.start), finish = isoDay(change.end);
    var bar = gantt && gantt.get_bar(String(row.id));
    if (bar && bar.$bar) {
      // frappe-gantt turns a position into a date with whole units (a Month view puts every moved bar on the 1st
      // of a month); read the day under the bar's ends instead.
      var x = bar.$bar.getX(), end = dateAtX(gantt, x + bar.$bar.getWidth());
      start = isoDay(dateAtX(gantt, x));
      end.setDate(end.getDate() - 1);
      finish = isoDay(end);
    }
    if (grabbed === "right") {
      if (finish !== day(row.finish)) send("PATCH", "/tasks/" + row.id + "/schedule", { finish: finish });
    } else if (grabbed === "left") {
      if (start !== day(row.start)) send("PATCH", "/tasks/" + row.id + "/schedule", { start: start + "T00:00:00", finish: day(row.finish) });
    } else if (start !== day(row.start)) {
      send("PATCH", "/tasks/" + row.id + "/schedule", { start: start + "T00:00:00" });
    }
  }

  document.addEventListener("mouseup", function () {
    if (pending) window.setTimeout(flushDateChange, 0);
    if (busy) {
      busy = false;
      window.setTimeout(follow, 0); // a window move held back during the drag
    }
  });

  function onProgressChange(task, progress) {
    var row = state.byId[task.id];
    if (row) send("PATCH", "/tasks/" + row.id + "/schedule", { percent_complete: Math.round(progress) });
  }

  function popup(ctx) {
    var t = state.byId[ctx.task.id];
    if (!t) return false;
    ctx.set_title(esc(t.name));
    ctx.set_subtitle(esc(day(t.start) + " → " + day(t.finish)));
    var lines = [
      days(t.duration_minutes) + " working days, " + t.percent_complete + " % complete",
      "Total float " + days(t.total_float_minutes) + " days" + (t.critical ? " · critical" : ""),
      (t.scheduling === "manual" ? "Manually scheduled" : "Automatic") + (t.constraint !== "ASAP" ? " · " + t.constraint : ""),
    ];
    if (t.baseline_start) lines.push("Baseline " + day(t.baseline_start) + " → " + day(t.baseline_finish));
    if (t.deadline) lines.push("Deadline " + t.deadline + (t.deadline_missed ? " · finishes after it" : ""));
    ctx.set_details(lines.map(esc).join("<br>"));
  }

  function unitsBetween(a, b, unit) {
    if (unit === "hour") return (b - a) / 3600000;
    if (unit === "day") return (b - a) / 86400000;
    var months = (b.getFullYear() - a.getFullYear()) * 12 + (b.getMonth() - a.getMonth());
    var inMonth = new Date(b.getFullYear(), b.getMonth() + 1, 0).getDate();
    months += (b.getDate() - a.getDate()) / inMonth;
    return unit === "year" ? months / 12 : months;
  }

  // The day at horizontal position x of the chart (the inverse of unitsBetween), rounded to the nearest midnight.
  function dateAtX(chart, x) {
    var cfg = chart.config, units = (x / cfg.column_width) * cfg.step, at;
    if (cfg.unit === "hour" || cfg.unit === "day") {
      at = new Date(chart.gantt_start.getTime() + units * (cfg.unit === "hour" ? 3600000 : 86400000));
    } else {
      var months = cfg.unit === "year" ? units * 12 : units, whole = Math.floor(months);
      at = new Date(chart.gantt_start.getFullYear(), chart.gantt_start.getMonth() + whole, chart.gantt_start.getDate());
      var inMonth = new Date(at.getFullYear(), at.getMonth() + 1, 0).getDate();
      at = new Date(at.getTime() + (months - whole) * inMonth * 86400000);
    }
    return new Date(at.getFullYear(), at.getMonth(), at.getDate() + (at.getHours() >= 12 ? 1 : 0));
  }

  function drawBaselines(chart) {
    if (state.baseline === "" || !chart || !chart.bars) return;
    var cfg = chart.config;
    chart.bars.forEach(function (bar) {
      var t = state.byId[bar.task.id];
      if (!t || !t.baseline_start) return;
      var start = parseDay(day(t.baseline_start));
      var end = parseDay(day(t.baseline_finish));
      end.setDate(end.getDate() + 1);
      var x = (unitsBetween(chart.gantt_start, start, cfg.unit) / cfg.step) * cfg.column_width;
      var w = Math.max((unitsBetween(start, end, cfg.unit) / cfg.step) * cfg.column_width, 3);
      var rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("x", x);
      rect.setAttribute("y", bar.$bar.getY() + bar.$bar.getHeight() + 1);
      rect.setAttribute("width", w);
      rect.setAttribute("height", 4);
      rect.setAttribute("class", "plan-baseline");
      rect.setAttribute("data-task", t.id);
      chart.layers.grid.appendChild(rect);
    });
  }

  // A bar whose task finishes after its deadline gets a red outline (a class of its own: frappe-gantt's custom_class
  // takes one class only, and that one says critical, summary or milestone).
  function markDeadlines(chart) {
    if (!chart || !chart.bars) return;
    chart.bars.forEach(function (bar) {
      var t = state.byId[bar.task.id];
      if (t && t.deadline_missed && bar.group) bar.group.classList.add("g-deadline-missed");
    });
  }

  function renderList(rows) {
    var nodes = rows.map(function (t) {
      var name = (t.milestone ? "◆ " : "") + t.name;
      var open = !state.collapsed[t.id];
      var toggle = t.summary
        ? el("button", {
            type: "button", class: "btn btn-sm btn-ghost-secondary px-1 plan-toggle", "data-toggle": t.id,
            "aria-expanded": String(open), "aria-label": (open ? "Collapse " : "Expand ") + t.name,
          }, [open ? "▾" : "▸"])
        : el("span", { class: "plan-toggle" });
      var nameCell = el("span", { class: "plan-name", style: "padding-left:" + t.depth * 0.9 + "rem" }, [
        toggle,
        t.summary ? el("strong", {}, [name]) : name,
        t.deadline_missed ? " " : null,
        t.deadline_missed ? el("span", { class: "tt-deadline-missed", title: "Finishes after its deadline (" + t.deadline + ")" }, ["◆"]) : null,
      ]);
      var delay = state.delays && state.delays[t.id] > 0
        ? el("span", { class: "badge bg-orange-lt plan-delay", title: "Leveling delay (working days)" }, ["+" + days(state.delays[t.id])])
        : null;
      var moves = canManage
        ? el("span", { class: "plan-moves" }, [
            el("button", { type: "button", class: "btn btn-sm btn-ghost-secondary px-1", "data-outdent": t.id, "aria-label": "Outdent " + t.name, title: "Outdent" }, ["⇤"]),
            el("button", { type: "button", class: "btn btn-sm btn-ghost-secondary px-1", "data-indent": t.id, "aria-label": "Indent " + t.name, title: "Indent" }, ["⇥"]),
          ])
        : null;
      return el("div", { class: "plan-row" + (t.critical ? " is-critical" : ""), "data-task": t.id }, [
        el("span", { class: "plan-wbs" }, [t.wbs]),
        nameCell,
        el("span", { class: "plan-dur" }, [days(t.duration_minutes), delay ? " " : null, delay]),
        moves,
      ]);
    });
    $("plan-rows").replaceChildren.apply($("plan-rows"), nodes);
  }

  // The link form's task lists and the links table. On a long plan the lists are filled when first opened and the
  // table shows its first LINKS_SHOWN rows until "Show all" (thousands of rows cost the page's layout dearly).
  var LINKS_SHOWN = 100;
  var allLinks = false;

  function fillTaskOptions() {
    var data = state.data;
    if (!data || state.optionsFor === data) return;
    state.optionsFor = data;
    ["link-pred", "link-succ"].forEach(function (id) {
      var select = $(id);
      if (!select) return;
      var keep = select.value;
      select.replaceChildren.apply(select, data.tasks.map(function (t) { return new Option(t.wbs + " " + t.name, String(t.id)); }));
      if (keep) select.value = keep;
    });
  }

  ["link-pred", "link-succ"].forEach(function (id) {
    var select = $(id);
    if (!select) return;
    select.addEventListener("mousedown", fillTaskOptions);
    select.addEventListener("focus", fillTaskOptions);
  });

  function renderLinks(data) {
    if (!$("plan-links")) return;
    if (data.tasks.length <= WINDOW_OVER) fillTaskOptions();
    var links = allLinks ? data.links : data.links.slice(0, LINKS_SHOWN);
    var rows = links.map(function (l) {
      var p = state.byId[String(l.predecessor_id)], s = state.byId[String(l.successor_id)];
      var lag = l.lag_percent !== null ? l.lag_percent + " %" : l.lag_minutes ? days(l.lag_minutes) + " d" : "";
      var remove = canManage ? el("button", { type: "button", class: "btn btn-sm", "data-unlink": l.id }, ["Remove"]) : null;
      return el("tr", {}, [
        el("td", {}, [p ? p.name : "?"]), el("td", {}, [s ? s.name : "?"]), el("td", {}, [l.kind]), el("td", {}, [lag]),
        el("td", { class: "text-end" }, [remove]),
      ]);
    });
    if (!rows.length) rows.push(el("tr", {}, [el("td", { colspan: "5", class: "text-secondary" }, ["No links yet."])]));
    if (links.length < data.links.length) {
      rows.push(el("tr", {}, [el("td", { colspan: "5" }, [
        el("button", { type: "button", class: "btn btn-sm", "data-all-links": "" }, ["Show all " + data.links.length + " links"]),
      ])]));
    }
    $("plan-links").replaceChildren.apply($("plan-links"), rows);
  }

  // frappe-gantt sizes its timeline from the tasks it is given; a window of rows must keep the whole plan's timeline,
  // so the dates are computed with two anchors spanning every row.
  var PlanGantt = null;
  function planGantt() {
    if (PlanGantt) return PlanGantt;
    PlanGantt = class extends window.Gantt {
      setup_gantt_dates(refresh) {
        var real = this.tasks;
        if (state.span) this.tasks = real.concat(state.span);
        try {
          super.setup_gantt_dates(refresh);
        } finally {
          this.tasks = real;
        }
      }
    };
    return PlanGantt;
  }

  function visibleRows() {
    var rows = [];
    var hideBelow = null;
    state.data.tasks.forEach(function (t) {
      if (hideBelow !== null && t.depth > hideBelow) return;
      hideBelow = null;
      if (!t.start) return;
      rows.push(t);
      if (t.summary && state.collapsed[t.id]) hideBelow = t.depth;
    });
    return rows;
  }

  function startOf(t) { return day(state.leveled && state.leveled[t.id] ? state.leveled[t.id].start : t.start); }
  function finishOf(t) { return day(state.leveled && state.leveled[t.id] ? state.leveled[t.id].finish : t.finish); }

  // The rows to draw: all of them, or on a long outline those around the viewport of the split pane.
  function inView() {
    var pane = $("plan-split");
    var first = Math.floor(Math.max(pane.scrollTop - 85, 0) / ROW_HEIGHT);
    // The pane is at most 75 % of the window high (margin.css); before the first draw it is still empty.
    return [first, first + Math.ceil(Math.max(pane.clientHeight, window.innerHeight) / ROW_HEIGHT) + 1];
  }

  function windowAt() {
    var n = state.rows.length;
    if (n <= WINDOW_OVER) return [0, n];
    var seen = inView();
    return [Math.max(0, seen[0] - MARGIN_ROWS), Math.min(n, seen[1] + MARGIN_ROWS)];
  }

  function render() {
    var data = state.data;
    var preds = {};
    data.links.forEach(function (l) { (preds[l.successor_id] = preds[l.successor_id] || []).push(String(l.predecessor_id)); });
    state.preds = preds;
    state.rows = visibleRows();
    $("plan-finish").textContent = data.finish ? "Finish " + day(data.finish) : "";
    var first = null, last = null;
    state.rows.forEach(function (t) {
      var a = startOf(t), b = finishOf(t);
      if (first === null || a < first) first = a;
      if (last === null || b > last) last = b;
    });
    state.span = first === null ? null : [{ _start: parseDay(first), _end: parseDay(last) }, { _start: parseDay(first), _end: parseDay(last) }];
    state.span && state.span[1]._end.setDate(state.span[1]._end.getDate() + 1);
    var range = windowAt();
    draw(range[0], range[1]);
  }

  // The chart opens at today; on a plan that lies wholly before or after today, at its nearest end.
  function openAt() {
    var today = isoDay(new Date());
    if (!state.span) return today;
    var first = isoDay(state.span[0]._start), last = isoDay(state.span[0]._end);
    return today < first ? first : today > last ? last : today;
  }

  // Draws rows [from, to) of state.rows: the task list and the chart, with spacers for the rows left out.
  function draw(from, to) {
    var began = performance.now();
    state.from = from;
    state.to = to;
    var rows = state.rows.slice(from, to);
    var above = from * ROW_HEIGHT + "px", below = (state.rows.length - to) * ROW_HEIGHT + "px";
    var list = $("plan-rows");
    renderList(rows);
    list.style.paddingTop = above;
    list.style.paddingBottom = below;
    var shown = {};
    rows.forEach(function (t) { shown[t.id] = true; });
    var tasks = rows.map(function (t) {
      return {
        id: String(t.id),
        name: esc((t.milestone ? "◆ " : "") + t.name), // frappe-gantt sets the bar label with innerHTML
        start: startOf(t),
        end: finishOf(t),
        progress: t.percent_complete,
        dependencies: (state.preds[t.id] || []).filter(function (id) { return shown[id]; }).join(","),
        custom_class: barClass(t),
      };
    });
    var holder = $("gantt");
    var scroller = holder.querySelector(".gantt-container");
    var left = scroller ? scroller.scrollLeft : null;
    holder.replaceChildren();
    holder.style.paddingTop = above;
    holder.style.paddingBottom = below;
    holder.classList.toggle("plan-windowed", rows.length < state.rows.length);
    if (!tasks.length) {
      holder.appendChild(el("p", { class: "text-secondary p-3" }, ["No tasks yet."]));
      gantt = null;
      return;
    }
    // frappe-gantt starts in the first of its view modes: put the current one first (one render, not two).
    var modes = MODES.filter(function (m) { return (m.name || m) === state.mode; }).concat(
      MODES.filter(function (m) { return (m.name || m) !== state.mode; })
    );
    var Chart = planGantt();
    var spanDays = state.span ? (state.span[1]._end - state.span[0]._start) / 86400000 : 0;
    gantt = new Chart(holder, tasks, {
      view_modes: modes,
      bar_height: 20,
      padding: 14,
      readonly: !canManage,
      move_dependencies: false,
      today_button: true,
      infinite_padding: false,
      popup_on: "click",
      // Shading weekends walks every day of the timeline (slow on long plans): only on plans of a year or so.
      holidays: spanDays <= 400 ? { "var(--g-weekend-highlight-color)": "weekend" } : {},
      popup: popup,
      scroll_to: state.first ? openAt() : null,
      on_date_change: onDateChange,
      on_progress_change: onProgressChange,
      on_view_change: function () { drawBaselines(this); markDeadlines(this); linker(this); },
    });
    state.first = false;
    var container = holder.querySelector(".gantt-container");
    if (left !== null && container) container.scrollLeft = left;
    root.dataset.renderMs = String(Math.round(performance.now() - began));
    root.dataset.rows = String(state.rows.length);
    root.dataset.window = from + "-" + to;
    root.dataset.ready = String(Date.now());
  }

  // Scrolling a long outline: redraw the window once the viewport nears its edge (not during a drag).
  var following = false;
  function follow() {
    following = false;
    if (!state.data || state.rows.length <= WINDOW_OVER) return;
    if (busy || linking) return;
    var seen = inView();
    var slack = MARGIN_ROWS / 2;
    if ((state.from > 0 && seen[0] - state.from < slack) || (state.to < state.rows.length && state.to - seen[1] < slack)) {
      var want = windowAt();
      draw(want[0], want[1]);
    }
  }
  $("plan-split").addEventListener("scroll", function () {
    if (!following) {
      following = true;
      window.requestAnimationFrame(follow);
    }
  }, { passive: true });
  $("gantt").addEventListener("mousedown", function (event) {
    busy = true;
    var handle = event.target.closest && event.target.closest(".handle");
    gesture = handle && handle.classList.contains("left") ? "left" : handle && handle.classList.contains("right") ? "right" : "move";
  }, true);

  // Drawing a link: a circle at each end of the bar under the mouse; drag from one onto another bar. The half of the
  // target bar under the mouse picks its end: from a finish to a start is FS, start to start SS, finish to finish FF,
  // start to finish SF.
  var SVG = "http://www.w3.org/2000/svg";
  function linker(chart) {
    if (!canManage || !chart || !chart.$svg) return;
    var svg = chart.$svg;
    var old = svg.querySelector(".plan-linker");
    if (old) old.remove();
    var layer = document.createElementNS(SVG, "g");
    layer.setAttribute("class", "plan-linker");
    var ends = ["start", "finish"].map(function (end) {
      var c = document.createElementNS(SVG, "circle");
      c.setAttribute("class", "plan-link-handle");
      c.setAttribute("r", "5");
      c.setAttribute("data-end", end);
      c.setAttribute("data-testid", "link-handle-" + end);
      var title = document.createElementNS(SVG, "title");
      title.textContent = "Drag onto another bar to link from this task's " + end;
      c.appendChild(title);
      layer.appendChild(c);
      return c;
    });
    var line = document.createElementNS(SVG, "line");
    line.setAttribute("class", "plan-link-line");
    layer.appendChild(line);
    svg.appendChild(layer);
    var hideTimer = null;

    function place(wrapper) {
      var bar = wrapper.querySelector(".bar");
      if (!bar) return;
      var x = +bar.getAttribute("x"), w = +bar.getAttribute("width"), y = +bar.getAttribute("y") + +bar.getAttribute("height") / 2;
      ends[0].setAttribute("cx", x - 8);
      ends[1].setAttribute("cx", x + w + 8);
      ends.forEach(function (c) { c.setAttribute("cy", y); c.setAttribute("data-task", wrapper.getAttribute("data-id")); });
      layer.classList.add("is-shown");
    }

    svg.addEventListener("mouseover", function (event) {
      if (linking || busy) return;
      var wrapper = event.target.closest(".bar-wrapper");
      if (wrapper || event.target.closest(".plan-linker")) {
        window.clearTimeout(hideTimer);
        if (wrapper) place(wrapper);
      } else {
        window.clearTimeout(hideTimer);
        hideTimer = window.setTimeout(function () { layer.classList.remove("is-shown"); }, 400);
      }
    });

    ends.forEach(function (circle) {
      circle.addEventListener("mousedown", function (event) {
        if (event.button !== 0) return;
        event.preventDefault();
        event.stopPropagation();
        var x = +circle.getAttribute("cx"), y = +circle.getAttribute("cy");
        linking = { from: circle.getAttribute("data-task"), end: circle.getAttribute("data-end"), svg: svg, line: line, target: null, kind: null };
        line.setAttribute("x1", x);
        line.setAttribute("y1", y);
        line.setAttribute("x2", x);
        line.setAttribute("y2", y);
        layer.classList.add("is-linking");
        document.addEventListener("mousemove", linkMove);
        document.addEventListener("mouseup", linkDrop);
        document.addEventListener("keydown", linkKey);
        var from = state.byId[linking.from];
        say("Linking from the " + linking.end + " of " + (from ? from.name : "?") + ": drop on another bar's start or finish (Esc cancels).");
      });
    });
  }

  function linkTarget(event) {
    var hit = document.elementFromPoint(event.clientX, event.clientY);
    var wrapper = hit && hit.closest && hit.closest(".bar-wrapper");
    if (!wrapper || wrapper.getAttribute("data-id") === linking.from) return null;
    var bar = wrapper.querySelector(".bar").getBoundingClientRect();
    var end = event.clientX < bar.left + bar.width / 2 ? "start" : "finish";
    return { wrapper: wrapper, id: wrapper.getAttribute("data-id"), end: end };
  }

  function linkMove(event) {
    if (!linking) return;
    var box = linking.svg.getBoundingClientRect();
    linking.line.setAttribute("x2", event.clientX - box.left);
    linking.line.setAttribute("y2", event.clientY - box.top);
    var target = linkTarget(event);
    if (linking.target && (!target || target.wrapper !== linking.target.wrapper)) linking.target.wrapper.classList.remove("plan-link-target");
    linking.target = target;
    var from = state.byId[linking.from];
    if (target) {
      target.wrapper.classList.add("plan-link-target");
      var kind = LINK_KINDS[linking.end + target.end];
      var to = state.byId[target.id];
      say(KIND_NAMES[kind] + " (" + kind + "): " + (from ? from.name : "?") + " → " + (to ? to.name : "?"));
    }
  }

  function linkEnd() {
    document.removeEventListener("mousemove", linkMove);
    document.removeEventListener("mouseup", linkDrop);
    document.removeEventListener("keydown", linkKey);
    var done = linking;
    linking = null;
    if (done) {
      if (done.target) done.target.wrapper.classList.remove("plan-link-target");
      var layer = done.svg.querySelector(".plan-linker");
      if (layer) layer.classList.remove("is-linking", "is-shown");
    }
    return done;
  }

  function linkDrop(event) {
    if (!linking) return;
    var target = linkTarget(event);
    var done = linkEnd();
    if (!target) {
      say("No link: drop the line on another task's bar.");
      window.setTimeout(follow, 0);
      return;
    }
    send("POST", "/projects/" + projectId + "/dependencies", {
      predecessor_id: +done.from,
      successor_id: +target.id,
      kind: LINK_KINDS[done.end + target.end],
      lag_minutes: 0,
    });
  }

  function linkKey(event) {
    if (event.key !== "Escape" || !linking) return;
    linkEnd();
    say("Link cancelled.");
    window.setTimeout(follow, 0);
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.toggle) {
      state.collapsed[button.dataset.toggle] = !state.collapsed[button.dataset.toggle];
      render();
    } else if (button.dataset.allLinks !== undefined) {
      allLinks = true;
      renderLinks(state.data);
    } else if (button.dataset.expandAll !== undefined) {
      state.collapsed = {};
      render();
    } else if (button.dataset.collapseAll !== undefined) {
      state.collapsed = {};
      state.data.tasks.forEach(function (t) { if (t.summary) state.collapsed[t.id] = true; });
      render();
    } else if (button.dataset.mode) {
      state.mode = button.dataset.mode;
      root.querySelectorAll("[data-mode]").forEach(function (b) { b.classList.toggle("active", b === button); });
      if (gantt) gantt.change_view_mode(state.mode);
    } else if (button.dataset.indent) {
      send("POST", "/tasks/" + button.dataset.indent + "/indent");
    } else if (button.dataset.outdent) {
      send("POST", "/tasks/" + button.dataset.outdent + "/outdent");
    } else if (button.dataset.unlink) {
      send("DELETE", "/projects/" + projectId + "/dependencies/" + button.dataset.unlink);
    }
  });

  // Saving a baseline: the name typed (optional; the server names an unnamed one "Baseline", "Baseline1"…) goes
  // with it, and the picker gets (or renames) the option of its slot, in slot order.
  var baselineForm = $("plan-baseline-form");
  if (baselineForm) {
    baselineForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = baselineForm.elements.name.value.trim();
      say("Saving…");
      call("POST", "/projects/" + projectId + "/baselines", name ? { name: name } : {}).then(function (b) {
        var select = $("plan-baseline");
        var label = b.index + " · " + b.name + " (" + day(b.saved_at) + ")";
        var option = select.querySelector('option[value="' + b.index + '"]');
        if (option) {
          option.textContent = label;
        } else {
          var before = Array.prototype.find.call(select.options, function (o) { return o.value !== "" && +o.value > b.index; });
          select.add(new Option(label, String(b.index)), before || null);
        }
        select.value = String(b.index);
        state.baseline = String(b.index);
        baselineForm.elements.name.value = "";
        say(b.name + " saved.", "ok");
        return load();
      }, refused);
    });
  }

  $("plan-baseline").addEventListener("change", function (event) {
    state.baseline = event.target.value;
    load();
  });

  var form = $("plan-link-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var lag = Math.round(parseFloat(form.elements.lag_days.value || "0") * DAY_MINUTES);
      send("POST", "/projects/" + projectId + "/dependencies", {
        predecessor_id: +form.elements.predecessor_id.value,
        successor_id: +form.elements.successor_id.value,
        kind: form.elements.kind.value,
        lag_minutes: lag,
      });
    });
  }

  // leveling.js shows a leveling proposal on this chart through these.
  window.marginPlan = { state: state, render: render, load: load, say: say, call: call };
  load();
})();

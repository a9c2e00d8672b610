/* The project plan: frappe-gantt fed by GET /api/v1/projects/{id}/gantt; every drag, resize, progress change,
   indent/outdent, link and baseline goes through the API, which reschedules; the chart then redraws from the
   fresh data (moved successors, critical path, summaries). Dates are shown by day in the project's time zone:
   the API answers datetimes in that zone, so their first ten characters are the local day. */
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
  var state = {
    data: null, byId: {}, mode: "Week", baseline: "", first: true, rescheduled: false, collapsed: null,
  };
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
  function esc(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
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

  function weekdays(start, end) {
    var n = 0;
    for (var d = new Date(start); d <= end; d.setDate(d.getDate() + 1)) {
      if (d.getDay() !== 0 && d.getDay() !== 6) n += 1;
    }
    return Math.max(n, 1);
  }

  // frappe-gantt 1.x reports a date change on every mouse move of a drag; keep the last one and send it when the
  // mouse button is released.
  var pending = null;

  function onDateChange(task, start, end) {
    pending = { id: task.id, start: new Date(start), end: new Date(end) };
  }

  function flushDateChange() {
    var change = pending;
    pending = null;
    var row = change && state.byId[change.id];
    if (!row) return;
    if (isoDay(change.start) !== day(row.start)) {
      send("PATCH", "/tasks/" + row.id + "/schedule", { start: isoDay(change.start) + "T00:00:00" });
    } else if (isoDay(change.end) !== day(row.finish)) {
      send("PATCH", "/tasks/" + row.id + "/schedule", {
        duration_minutes: weekdays(change.start, change.end) * DAY_MINUTES,
      });
    }
  }

  document.addEventListener("mouseup", function () {
    if (pending) window.setTimeout(flushDateChange, 0);
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

  function renderList(rows) {
    var html = rows.map(function (t) {
      var moves = canManage
        ? '<span class="plan-moves">' +
          '<button type="button" class="btn btn-sm btn-ghost-secondary px-1" data-outdent="' + t.id + '" aria-label="Outdent ' + esc(t.name) + '" title="Outdent">&#8676;</button>' +
          '<button type="button" class="btn btn-sm btn-ghost-secondary px-1" data-indent="' + t.id + '" aria-label="Indent ' + esc(t.name) + '" title="Indent">&#8677;</button>' +
          "</span>"
        : "";
      var name = (t.milestone ? "◆ " : "") + t.name;
      var open = !state.collapsed[t.id];
      var toggle = t.summary
        ? '<button type="button" class="btn btn-sm btn-ghost-secondary px-1 plan-toggle" data-toggle="' + t.id + '" aria-expanded="' + open +
          '" aria-label="' + (open ? "Collapse " : "Expand ") + esc(t.name) + '">' + (open ? "&#9662;" : "&#9656;") + "</button>"
        : '<span class="plan-toggle"></span>';
      return (
        '<div class="plan-row' + (t.critical ? " is-critical" : "") + '" data-task="' + t.id + '">' +
        '<span class="plan-wbs">' + esc(t.wbs) + "</span>" +
        '<span class="plan-name" style="padding-left:' + t.depth * 0.9 + 'rem">' + toggle +
        (t.summary ? "<strong>" + esc(name) + "</strong>" : esc(name)) + "</span>" +
        '<span class="plan-dur">' + days(t.duration_minutes) +
        (state.delays && state.delays[t.id] > 0 ? ' <span class="badge bg-orange-lt plan-delay" title="Leveling delay (working days)">+' + days(state.delays[t.id]) + "</span>" : "") +
        "</span>" + moves + "</div>"
      );
    });
    $("plan-rows").innerHTML = html.join("");
  }

  function renderLinks(data) {
    var options = data.tasks.map(function (t) { return '<option value="' + t.id + '">' + esc(t.wbs + " " + t.name) + "</option>"; }).join("");
    ["link-pred", "link-succ"].forEach(function (id) {
      var select = $(id);
      if (!select) return;
      var keep = select.value;
      select.innerHTML = options;
      if (keep) select.value = keep;
    });
    $("plan-links").innerHTML = data.links.map(function (l) {
      var p = state.byId[String(l.predecessor_id)], s = state.byId[String(l.successor_id)];
      var lag = l.lag_percent !== null ? l.lag_percent + " %" : l.lag_minutes ? days(l.lag_minutes) + " d" : "";
      var remove = canManage ? '<button type="button" class="btn btn-sm" data-unlink="' + l.id + '">Remove</button>' : "";
      return "<tr><td>" + esc(p ? p.name : "?") + "</td><td>" + esc(s ? s.name : "?") + "</td><td>" + l.kind + "</td><td>" + lag + "</td><td class=\"text-end\">" + remove + "</td></tr>";
    }).join("") || '<tr><td colspan="5" class="text-secondary">No links yet.</td></tr>';
  }

  function render() {
    var began = performance.now();
    var data = state.data;
    var preds = {};
    data.links.forEach(function (l) { (preds[l.successor_id] = preds[l.successor_id] || []).push(String(l.predecessor_id)); });
    var rows = [];
    var hideBelow = null;
    data.tasks.forEach(function (t) {
      if (hideBelow !== null && t.depth > hideBelow) return;
      hideBelow = null;
      if (!t.start) return;
      rows.push(t);
      if (t.summary && state.collapsed[t.id]) hideBelow = t.depth;
    });
    var shown = {};
    rows.forEach(function (t) { shown[t.id] = true; });
    renderList(rows);
    renderLinks(data);
    $("plan-finish").textContent = data.finish ? "Finish " + day(data.finish) : "";
    var tasks = rows.map(function (t) {
      return {
        id: String(t.id),
        name: (t.milestone ? "◆ " : "") + t.name,
        start: day(state.leveled && state.leveled[t.id] ? state.leveled[t.id].start : t.start),
        end: day(state.leveled && state.leveled[t.id] ? state.leveled[t.id].finish : t.finish),
        progress: t.percent_complete,
        dependencies: (preds[t.id] || []).filter(function (id) { return shown[id]; }).join(","),
        custom_class: barClass(t),
      };
    });
    var holder = $("gantt");
    var scroller = holder.querySelector(".gantt-container");
    var left = scroller ? scroller.scrollLeft : null;
    holder.innerHTML = "";
    if (!tasks.length) {
      holder.innerHTML = '<p class="text-secondary p-3">No tasks yet.</p>';
      gantt = null;
      return;
    }
    // frappe-gantt starts in the first of its view modes: put the current one first (one render, not two).
    var modes = MODES.filter(function (m) { return (m.name || m) === state.mode; }).concat(
      MODES.filter(function (m) { return (m.name || m) !== state.mode; })
    );
    gantt = new window.Gantt(holder, tasks, {
      view_modes: modes,
      bar_height: 20,
      padding: 14,
      readonly: !canManage,
      move_dependencies: false,
      today_button: true,
      infinite_padding: false,
      popup_on: "click",
      // Shading weekends walks every day of the timeline (slow on long plans): only on plans of modest size.
      holidays: rows.length <= 500 ? { "var(--g-weekend-highlight-color)": "weekend" } : {},
      popup: popup,
      scroll_to: state.first ? day(rows[0].start) : null,
      on_date_change: onDateChange,
      on_progress_change: onProgressChange,
      on_view_change: function () { drawBaselines(this); },
    });
    state.first = false;
    var container = holder.querySelector(".gantt-container");
    if (left !== null && container) container.scrollLeft = left;
    root.dataset.renderMs = String(Math.round(performance.now() - began));
    root.dataset.ready = String(Date.now());
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.toggle) {
      state.collapsed[button.dataset.toggle] = !state.collapsed[button.dataset.toggle];
      render();
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
    } else if (button.id === "plan-save-baseline") {
      say("Saving…");
      call("POST", "/projects/" + projectId + "/baselines", {}).then(function (b) {
        var select = $("plan-baseline");
        if (!select.querySelector('option[value="' + b.index + '"]')) select.add(new Option(String(b.index), String(b.index)));
        select.value = String(b.index);
        state.baseline = String(b.index);
        say(b.name + " saved.", "ok");
        return load();
      }, refused);
    }
  });

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

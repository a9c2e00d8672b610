/* The timer in the top bar. The server holds the state (GET /api/v1/timers/current): a reload
 * asks it again, other tabs hear of every change at once (BroadcastChannel, with the `storage`
 * event as a fallback) and every tab polls every 15 s, so all of them agree.
 */
(function () {
  "use strict";

  var POLL_MS = 15000;
  var widget, api, state = null, startedAt = 0, ticker = null, channel = null, pickFirst = false;

  function $(selector) { return widget.querySelector(selector); }

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") { options.headers["X-CSRFToken"] = csrf(); }
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (response) {
      if (response.status === 204) return { ok: true, status: 204, body: null };
      return response.json().then(
        function (json) { return { ok: response.ok, status: response.status, body: json }; },
        function () { return { ok: response.ok, status: response.status, body: { detail: "The server answered " + response.status + "." } }; }
      );
    }, function () {
      return { ok: false, status: 0, body: { detail: "Margin cannot be reached; the timer was not changed." } };
    });
  }

  function clock(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    return h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function tick() {
    var seconds = Math.max(0, Math.floor((Date.now() - startedAt) / 1000));
    $("[data-timer-elapsed]").textContent = clock(seconds);
  }

  function message(text, level, offer, confirmDiscard) {
    $("[data-timer-discard-confirm]").hidden = !confirmDiscard;
    var box = $("[data-timer-message]");
    box.hidden = !text;
    box.className = "timer-message alert alert-" + (level || "danger") + " py-2 px-3 mb-0 shadow";
    $("[data-timer-message-text]").textContent = text || "";
    var replace = $("[data-timer-replace]");
    replace.hidden = !offer;
    replace.dataset.task = offer || "";
    if (text && level === "success") { setTimeout(function () { if ($("[data-timer-message-text]").textContent === text) message(""); }, 6000); }
  }

  function render(next) {
    var wasRunning = state && state.running;
    state = next;
    var running = !!(next && next.running);
    widget.hidden = false;
    $("[data-timer-idle]").hidden = running;
    $("[data-timer-running]").hidden = !running;
    widget.dataset.running = running ? "true" : "false";
    if (ticker) { clearInterval(ticker); ticker = null; }
    if (running) {
      var timer = next.timer;
      startedAt = Date.now() - timer.elapsed_seconds * 1000;
      var label = timer.task_name || timer.project_name;
      $("[data-timer-name]").textContent = label;
      $("[data-timer-name]").title = label + " · " + timer.project_code + " " + timer.project_name + (timer.note ? " — " + timer.note : "");
      tick();
      ticker = setInterval(tick, 1000);
    }
    if (wasRunning && !running) { document.dispatchEvent(new CustomEvent("margin:timer-stopped")); }
  }

  function refresh() {
    return call("GET", "/current").then(function (answer) { if (answer.ok) render(answer.body); });
  }

  function announce(kind) {
    if (channel) channel.postMessage({ kind: kind });
    try { window.localStorage.setItem("margin-timer", kind + ":" + Date.now()); } catch (e) { /* private mode */ }
  }

  function start(taskId, replace, note) {
    message("");
    var body = { task_id: Number(taskId), replace: !!replace };
    if (note) body.note = note;
    return call("POST", "/start", body).then(function (answer) {
      if (answer.ok) {
        var stoppedOne = state && state.running;
        render(answer.body);
        closeMenu();
        var noteBox = $("[data-timer-note]");
        if (noteBox) noteBox.value = "";
        announce(stoppedOne ? "stopped" : "started");
        if (stoppedOne) document.dispatchEvent(new CustomEvent("margin:timer-stopped"));
      } else if (answer.status === 409 && answer.body.code === "timer_running") {
        message(answer.body.detail, "warning", String(taskId));
        refresh();
      } else {
        message(answer.body.detail || "The timer could not start.");
      }
    });
  }

  function stop() {
    message("");
    return call("POST", "/stop").then(function (answer) {
      if (answer.ok) {
        var entry = answer.body;
        var h = Math.floor(entry.minutes / 60), m = entry.minutes % 60;
        message("Logged " + h + ":" + (m < 10 ? "0" : "") + m + " on " + entry.work_date + " as a draft.", "success");
        render({ running: false, timer: null });
        announce("stopped");
      } else {
        message(answer.body.detail || "The timer could not stop.");
        refresh();
      }
    });
  }

  function discard() {
    return call("DELETE", "/current").then(function (answer) {
      if (answer.ok || answer.status === 404) {
        message("");
        state = { running: false };
        render({ running: false, timer: null });
        announce("discarded");
      } else {
        message(answer.body.detail || "The timer could not be discarded.");
      }
    });
  }

  function closeMenu() {
    var toggle = $("[data-timer-open]");
    if (window.bootstrap && window.bootstrap.Dropdown && toggle) { window.bootstrap.Dropdown.getOrCreateInstance(toggle).hide(); }
  }

  function init() {
    widget = document.getElementById("timer-widget");
    if (!widget) return;
    api = widget.getAttribute("data-timer-api");
    document.addEventListener("click", function (event) {
      var starter = event.target.closest && event.target.closest("[data-timer-start]");
      if (starter) {
        event.preventDefault();
        var fromMenu = widget.contains(starter) && $("[data-timer-note]");
        start(starter.getAttribute("data-timer-start"), false, fromMenu ? fromMenu.value.trim() : "");
        return;
      }
      if (event.target.closest("[data-timer-stop]")) { stop(); return; }
      if (event.target.closest("[data-timer-discard]")) {
        var running = $("[data-timer-name]").textContent;
        message("Discard " + $("[data-timer-elapsed]").textContent + " on " + running + " without logging it?", "warning", null, true);
        return;
      }
      if (event.target.closest("[data-timer-discard-confirm]")) { discard(); return; }
      if (event.target.closest("[data-timer-replace]")) { start($("[data-timer-replace]").dataset.task, true, ""); return; }
      if (event.target.closest("[data-timer-dismiss]")) { message(""); }
    });
    var menu = $("[data-timer-open]");
    if (menu) {
      menu.addEventListener("shown.bs.dropdown", function () { var q = $("[data-timer-search]"); if (q) q.focus(); });
    }
    widget.addEventListener("keydown", function (event) {
      var items = Array.prototype.slice.call(widget.querySelectorAll("[data-timer-start]"));
      var index = items.indexOf(event.target);
      if (event.key === "ArrowDown" && (index >= 0 || event.target.matches("[data-timer-search]"))) {
        event.preventDefault();
        if (items[index + 1]) items[index + 1].focus();
      } else if (event.key === "ArrowUp" && index >= 0) {
        event.preventDefault();
        if (index > 0) items[index - 1].focus(); else $("[data-timer-search]").focus();
      } else if (event.key === "Enter" && event.target.matches("[data-timer-search], [data-timer-note]")) {
        event.preventDefault();
        var search = $("[data-timer-search]");
        var shown = widget.querySelector(".timer-results [data-query]");
        if (shown && shown.getAttribute("data-query") === search.value.trim()) {
          if (items[0]) items[0].click();
        } else if (window.htmx) {
          pickFirst = true; // the results are of an older query: pick the first when the new ones arrive
          window.htmx.trigger(search.form, "submit");
        }
      }
    });
    document.addEventListener("htmx:afterSettle", function (event) {
      var box = event.detail.target;
      if (!pickFirst || !box || !box.classList || !box.classList.contains("timer-results")) return;
      var shown = box.querySelector("[data-query]");
      if (shown && shown.getAttribute("data-query") === $("[data-timer-search]").value.trim()) {
        pickFirst = false;
        var first = box.querySelector("[data-timer-start]");
        if (first) first.click();
      }
    });
    if (window.BroadcastChannel) {
      channel = new BroadcastChannel("margin-timer");
      channel.onmessage = function () { refresh(); };
    }
    window.addEventListener("storage", function (event) { if (event.key === "margin-timer") refresh(); });
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
    setInterval(function () { if (!document.hidden) refresh(); }, POLL_MS);
    refresh();
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();

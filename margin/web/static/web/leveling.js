/* Resource leveling on the plan page: "Level resources" (the heuristic, answers at once) and "Optimise"
   (CP-SAT in the background: a progress bar polls GET /api/v1/leveling/{id}); the proposal is shown on the
   chart (delayed bars highlighted at their leveled dates, each task's delay in the list) until it is
   accepted or discarded. What a proposal cannot keep (a link, an over-allocation it cannot remove) is listed
   per task, and Accept stays disabled until the user ticks that they have read it; the server refuses the
   accept otherwise too (acknowledge_violations). Works through window.marginPlan, which gantt.js sets. */
(function () {
  "use strict";

  var box = document.getElementById("leveling");
  if (!box) return;
  var projectId = box.dataset.project;
  var POLL_MS = 700;
  var current = null;

  function $(id) { return document.getElementById(id); }
  function plan() { return window.marginPlan; }

  function show(proposal) {
    current = proposal;
    var p = plan();
    var bar = $("leveling-progress");
    var decide = $("leveling-decide");
    if (proposal.status === "running") {
      bar.hidden = false;
      bar.querySelector(".progress-bar").style.width = proposal.progress + "%";
      bar.querySelector(".progress-bar").setAttribute("aria-valuenow", String(proposal.progress));
      decide.hidden = true;
      $("leveling-text").textContent = "Optimising… " + proposal.progress + " %";
      window.setTimeout(poll, POLL_MS);
      return;
    }
    bar.hidden = true;
    if (proposal.status !== "proposed") {
      decide.hidden = true;
      hideWarnings();
      $("leveling-text").textContent = proposal.error || "";
      clear();
      return;
    }
    var warned = warnings(proposal.violations || []);
    var delays = {}, leveled = {}, delayed = 0;
    proposal.tasks.forEach(function (t) {
      delays[t.task_id] = t.delay_minutes;
      if (t.delay_minutes > 0) {
        delayed += 1;
        leveled[t.task_id] = { start: t.start, finish: t.finish };
      }
    });
    p.state.delays = delays;
    p.state.leveled = leveled;
    p.render();
    decide.hidden = false;
    $("leveling-text").textContent = (delayed === 0
      ? (warned ? "Nothing moves." : "No over-allocation to remove: nothing moves.")
      : delayed + (delayed === 1 ? " task is" : " tasks are") + " delayed (orange).") +
      (warned ? " Read the warnings below before you accept." : " Accept to apply, or discard.");
  }

  // The per-task warnings; returns how many tasks have one. Accept waits for the acknowledgement.
  function warnings(violations) {
    var panel = $("leveling-warnings"), list = $("leveling-warnings-list"), ack = $("leveling-ack");
    var byTask = {}, order = [];
    violations.forEach(function (v) {
      var key = String(v.task_id);
      if (!byTask[key]) { byTask[key] = []; order.push(key); }
      byTask[key].push(v.message);
    });
    list.replaceChildren();
    order.forEach(function (key) {
      byTask[key].forEach(function (message) {
        var item = document.createElement("li");
        item.dataset.taskId = key;
        item.textContent = message;
        list.appendChild(item);
      });
    });
    $("leveling-warnings-title").textContent = order.length === 0 ? "" :
      "This leveling cannot keep everything for " + order.length + (order.length === 1 ? " task:" : " tasks:");
    panel.hidden = order.length === 0;
    ack.checked = false;
    acceptButton().disabled = order.length > 0;
    return order.length;
  }

  function acceptButton() { return box.querySelector("[data-decide='accept']"); }

  function hideWarnings() {
    $("leveling-warnings").hidden = true;
    $("leveling-warnings-list").replaceChildren();
    $("leveling-ack").checked = false;
    acceptButton().disabled = false;
  }

  function clear() {
    var p = plan();
    p.state.delays = null;
    p.state.leveled = null;
    p.render();
  }

  function poll() {
    if (!current) return;
    plan().call("GET", "/leveling/" + current.id).then(show, function (e) { plan().say(e.message, "error"); });
  }

  function start(method) {
    plan().say(method === "cpsat" ? "Starting the optimiser…" : "Leveling…");
    plan().call("POST", "/projects/" + projectId + "/leveling", { method: method }).then(function (proposal) {
      plan().say("");
      show(proposal);
    }, function (e) { plan().say(e.message, "error"); });
  }

  function decide(action) {
    if (!current) return;
    var acknowledged = $("leveling-ack").checked;
    if (action === "accept" && (current.violations || []).length && !acknowledged) return;
    var id = current.id;
    current = null;
    $("leveling-decide").hidden = true;
    $("leveling-text").textContent = "";
    hideWarnings();
    plan().state.delays = null;
    plan().state.leveled = null;
    var path = "/leveling/" + id + "/" + action + (action === "accept" && acknowledged ? "?acknowledge_violations=true" : "");
    plan().call("POST", path).then(function () {
      plan().say(action === "accept" ? "Leveling applied." : "Leveling discarded.", "ok");
      return plan().load();
    }, function (e) { plan().say(e.message, "error"); return plan().load(); });
  }

  $("leveling-ack").addEventListener("change", function (event) {
    acceptButton().disabled = !event.target.checked;
  });

  box.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !plan()) return;
    if (button.dataset.level) start(button.dataset.level);
    else if (button.dataset.decide) decide(button.dataset.decide);
  });
})();

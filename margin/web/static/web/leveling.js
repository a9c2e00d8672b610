/* Resource leveling on the plan page: "Level resources" (the heuristic, answers at once) and "Optimise"
   (CP-SAT in the background: a progress bar polls GET /api/v1/leveling/{id}); the proposal is shown on the
   chart (delayed bars highlighted at their leveled dates, each task's delay in the list) until it is
   accepted or discarded. Works through window.marginPlan, which gantt.js sets. */
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
      $("leveling-text").textContent = proposal.error || "";
      clear();
      return;
    }
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
    $("leveling-text").textContent = delayed === 0
      ? "No over-allocation to remove: nothing moves."
      : delayed + (delayed === 1 ? " task is" : " tasks are") + " delayed (orange). Accept to apply, or discard.";
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
    var id = current.id;
    current = null;
    $("leveling-decide").hidden = true;
    $("leveling-text").textContent = "";
    plan().state.delays = null;
    plan().state.leveled = null;
    plan().call("POST", "/leveling/" + id + "/" + action).then(function () {
      plan().say(action === "accept" ? "Leveling applied." : "Leveling discarded.", "ok");
      return plan().load();
    }, function (e) { plan().say(e.message, "error"); return plan().load(); });
  }

  box.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !plan()) return;
    if (button.dataset.level) start(button.dataset.level);
    else if (button.dataset.decide) decide(button.dataset.decide);
  });
})();

/* The discussion panel: "@" offers the people who may see the object (fetched as JSON, built with textContent),
   arrows and Enter choose, the choice is inserted as @username. Loaded once per page; events are delegated, so
   it keeps working after htmx swaps the panel. */
(function () {
  "use strict";
  if (window.marginDiscussion) { return; }
  window.marginDiscussion = true;
  var timer = null;
  var asked = 0;
  var linked = false;

  function isInput(element) {
    return element && element.classList && element.classList.contains("comment-input");
  }

  function menuOf(textarea) {
    var wrap = textarea.closest(".mention-wrap");
    return wrap ? wrap.querySelector(".mention-menu") : null;
  }

  /* The "@word" being typed just before the caret, or null. */
  function typed(textarea) {
    var upto = textarea.value.slice(0, textarea.selectionStart);
    var match = /(^|[\s(])@([\w.+-]{0,60})$/.exec(upto);
    return match ? { start: upto.length - match[2].length - 1, text: match[2] } : null;
  }

  function close(menu) {
    if (!menu) { return; }
    menu.hidden = true;
    while (menu.firstChild) { menu.removeChild(menu.firstChild); }
  }

  function choose(textarea, handle) {
    var word = typed(textarea);
    if (!word) { return; }
    var before = textarea.value.slice(0, word.start);
    var after = textarea.value.slice(textarea.selectionStart);
    var insert = "@" + handle + " ";
    textarea.value = before + insert + after;
    var caret = before.length + insert.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    close(menuOf(textarea));
  }

  function show(textarea, people) {
    var menu = menuOf(textarea);
    close(menu);
    if (!menu || !people.length) { return; }
    people.forEach(function (person, index) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dropdown-item mention-option" + (index === 0 ? " active" : "");
      button.setAttribute("role", "option");
      button.dataset.handle = person.handle;
      var name = document.createElement("span");
      name.textContent = person.name;
      var handle = document.createElement("span");
      handle.className = "text-secondary ms-2";
      handle.textContent = "@" + person.handle;
      button.appendChild(name);
      button.appendChild(handle);
      item.appendChild(button);
      menu.appendChild(item);
    });
    menu.hidden = false;
  }

  /* A link to one comment (#comment-12, from a notification): the panel arrives after the page, so scroll to it
     once it is there. */
  document.addEventListener("htmx:afterSwap", function () {
    var hash = window.location.hash;
    if (linked || !/^#comment-\d+$/.test(hash)) { return; }
    var comment = document.getElementById(hash.slice(1));
    if (comment) {
      linked = true;
      comment.classList.add("comment-linked");
      comment.scrollIntoView({ block: "center" });
    }
  });

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!isInput(textarea)) { return; }
    var panel = textarea.closest(".discussion");
    var word = typed(textarea);
    if (!panel || !word) { close(menuOf(textarea)); return; }
    clearTimeout(timer);
    var mine = ++asked;
    timer = setTimeout(function () {
      var url = panel.dataset.peopleUrl + "?q=" + encodeURIComponent(word.text);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : { people: [] }; })
        .then(function (data) { if (mine === asked) { show(textarea, data.people || []); } })
        .catch(function () { close(menuOf(textarea)); });
    }, 120);
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest(".mention-option");
    if (!option) { return; }
    var textarea = option.closest(".mention-wrap").querySelector(".comment-input");
    choose(textarea, option.dataset.handle);
  });

  document.addEventListener("keydown", function (event) {
    var textarea = event.target;
    if (!isInput(textarea)) { return; }
    var menu = menuOf(textarea);
    if (!menu || menu.hidden) { return; }
    var options = Array.prototype.slice.call(menu.querySelectorAll(".mention-option"));
    if (!options.length) { return; }
    var at = options.findIndex(function (o) { return o.classList.contains("active"); });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = (at + (event.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
      options.forEach(function (o, i) { o.classList.toggle("active", i === next); });
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(textarea, options[Math.max(at, 0)].dataset.handle);
    } else if (event.key === "Escape") {
      close(menu);
    }
  });
})();

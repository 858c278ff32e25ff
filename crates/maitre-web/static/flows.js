// maitre flow editor: the test chat answers in place, and keywords show as chips (below). The form posts as
// without this file, and the simulator panel of the page that comes back replaces the one shown, so the editor
// keeps its scroll position and the message box its focus.
(function () {
  "use strict";
  var bind = function () {
    var form = document.getElementById("sim-form");
    if (!form) { return; }
    form.addEventListener("submit", function (e) {
      if (!window.fetch || !window.DOMParser) { return; }
      e.preventDefault();
      var data = new FormData(form);
      if (e.submitter && e.submitter.name) { data.append(e.submitter.name, e.submitter.value); }
      fetch(form.action, { method: "POST", body: new URLSearchParams(data), credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("simulator");
          var shown = document.getElementById("simulator");
          if (!fresh || !shown) { form.submit(); return; }
          shown.replaceWith(fresh);
          bind();
          var input = document.querySelector("#sim-form input[name='text']");
          if (input) { input.focus(); }
        })
        .catch(function () { form.submit(); });
    });
  };
  bind();
})();

// Keywords as chips. The textarea (one word per line) stays the form's field, hidden: the chips show its words,
// the input beside them adds one on Enter or a comma (or when it loses focus, so a typed word is never lost), and
// each chip's button removes it. Without this script the textarea is edited as it is.
(function () {
  "use strict";
  var chipsFor = function (area) {
    var box = document.createElement("div");
    box.className = "chips";
    var input = document.createElement("input");
    input.type = "text";
    input.placeholder = area.dataset.add;
    input.setAttribute("aria-label", area.dataset.add);
    var words = function () {
      return area.value.split("\n").map(function (w) { return w.trim(); }).filter(function (w) { return w; });
    };
    var keep = function (list) { area.value = list.join("\n"); draw(); };
    var draw = function () {
      box.querySelectorAll(".chip").forEach(function (c) { c.remove(); });
      words().forEach(function (word, i) {
        var chip = document.createElement("span");
        chip.className = "chip";
        chip.appendChild(document.createTextNode(word));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.setAttribute("aria-label", area.dataset.remove + " " + word);
        remove.addEventListener("click", function () {
          var list = words();
          list.splice(i, 1);
          keep(list);
          input.focus();
        });
        chip.appendChild(remove);
        box.insertBefore(chip, input);
      });
    };
    var add = function () {
      var fresh = input.value.split(",").map(function (w) { return w.trim(); }).filter(function (w) { return w; });
      input.value = "";
      if (fresh.length) { keep(words().concat(fresh.filter(function (w) { return words().indexOf(w) < 0; }))); }
    };
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === ",") { e.preventDefault(); add(); }
      if (e.key === "Backspace" && !input.value && words().length) { keep(words().slice(0, -1)); }
    });
    input.addEventListener("blur", add);
    box.appendChild(input);
    area.hidden = true;
    area.parentNode.insertBefore(box, area.nextSibling);
    // The label said "one per line" for the textarea; the chips need no such hint.
    var label = area.parentNode.firstChild;
    if (label && label.nodeType === 3 && area.dataset.label) { label.textContent = area.dataset.label; }
    draw();
  };
  document.querySelectorAll("textarea[data-chips]").forEach(chipsFor);
})();

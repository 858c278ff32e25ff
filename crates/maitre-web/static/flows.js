// maitre flow editor: the test chat answers in place. The form posts as without this file, and the simulator
// panel of the page that comes back replaces the one shown, so the editor keeps its scroll position and the
// message box its focus.
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

// maitre contact import: follows a running import without reloading the page. The server renders the same page
// with a refresh for browsers without JavaScript; this file only takes over when it runs.
(function () {
  "use strict";

  var live = document.getElementById("import-live");
  if (!live || !live.dataset.progress || !window.fetch) { return; }
  var url = live.dataset.progress;

  // The finished page holds the report: fetch it once and swap in its live part.
  var showReport = function () {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var next = new DOMParser().parseFromString(html, "text/html").getElementById("import-live");
        if (next) { live.replaceWith(next); }
      })
      .catch(function () {});
  };

  var poll = function () {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (p === null) { setTimeout(poll, 3000); return; }
        var bar = document.getElementById("import-progress");
        if (bar && p.total > 0) { bar.max = p.total; bar.value = p.processed; }
        var count = document.getElementById("import-count");
        if (count) { count.textContent = p.count; }
        var badge = live.querySelector("#import-status .badge");
        if (badge) { badge.textContent = p.label; }
        if (p.finished) { showReport(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  };
  setTimeout(poll, 1000);
})();

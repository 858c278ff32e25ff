// maitre broadcast: follows a broadcast that is sending without reloading the page. Browsers without JavaScript
// get the same page with a refresh; this file only takes over when it runs.
(function () {
  "use strict";

  var live = document.getElementById("broadcast-live");
  if (!live || !live.dataset.progress || !window.fetch) { return; }
  var url = live.dataset.progress;

  var poll = function () {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (p === null) { setTimeout(poll, 3000); return; }
        p.figures.forEach(function (f) {
          var el = document.getElementById("fig-" + f[0]);
          if (el) { el.textContent = f[1]; }
        });
        var bar = document.getElementById("broadcast-progress");
        var total = p.figures.filter(function (f) { return f[0] === "recipients"; })[0];
        var left = p.figures.filter(function (f) { return f[0] === "pending"; })[0];
        if (bar && total && left && total[1] > 0) { bar.max = total[1]; bar.value = total[1] - left[1]; }
        // Finished, paused or cancelled: the page shows other actions, so it is read again once.
        if (p.status !== "sending") { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  };
  setTimeout(poll, 1000);
})();

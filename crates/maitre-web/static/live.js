// maitre: the bell's live count on every account page. Counts this member's notifications as they arrive on the
// account's event stream and asks the server again after a reconnect. Without this file the count is still
// right on every page load.
(function () {
  "use strict";
  var bell = document.getElementById("bell");
  var count = document.getElementById("bell-count");
  if (!bell || !count || !window.EventSource) { return; }

  var show = function (text) { count.textContent = text; count.hidden = text === ""; };
  var reload = function () {
    fetch(bell.dataset.count, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) { if (text !== null) { show(text.trim()); } })
      .catch(function () {});
  };

  var source = new EventSource(bell.dataset.events);
  source.onmessage = function (e) {
    var event;
    try { event = JSON.parse(e.data); } catch (_) { return; }
    if (event.type === "notification") {
      // The server stops counting at 99 ("99+"); so does the bell.
      var n = (parseInt(count.textContent, 10) || 0) + 1;
      show(n > 99 ? "99+" : String(n));
    } else if (event.type === "resync") {
      reload();
    }
  };
  // EventSource reconnects by itself after a drop; what arrived meanwhile is fetched then.
  source.onopen = function () { if (bell.dataset.opened) { reload(); } bell.dataset.opened = "1"; };
})();

// maitre: the one live connection of an account page. Keeps the bell's count (this member's notifications as they
// arrive; asked again after a reconnect) and hands every event to the page's own scripts as a `maitre:live`
// document event, so a page never opens a second stream (browsers allow only a few connections per host).
// The connection is held only while the page is shown: a hidden tab or a page kept in the back/forward cache
// would otherwise keep its slot, and a few of them freeze every other page of the site. Without this file the
// count is still right on every page load.
(function () {
  "use strict";
  // Installable on a phone: the worker only keeps an offline page (static/sw.js).
  if ("serviceWorker" in navigator) { navigator.serviceWorker.register("/sw.js").catch(function () {}); }
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
  var tell = function (event) { document.dispatchEvent(new CustomEvent("maitre:live", { detail: event })); };

  var onmessage = function (e) {
    var event;
    try { event = JSON.parse(e.data); } catch (_) { return; }
    tell(event);
    if (event.type === "notification") {
      // The server stops counting at 99 ("99+"); so does the bell.
      var n = (parseInt(count.textContent, 10) || 0) + 1;
      show(n > 99 ? "99+" : String(n));
    } else if (event.type === "resync") {
      reload();
    }
  };
  // Every open after the first (EventSource's own reconnect after a drop, or ours when the page is shown again)
  // fetches what arrived meanwhile.
  var onopen = function () {
    if (bell.dataset.opened) { reload(); tell({ type: "resync" }); }
    bell.dataset.opened = "1";
  };

  var source = null;
  var open = function () {
    // A stream the server refused (signed out) stays closed until the page is shown again.
    if (document.hidden || (source && source.readyState !== EventSource.CLOSED)) { return; }
    source = new EventSource(bell.dataset.events);
    source.onmessage = onmessage;
    source.onopen = onopen;
  };
  var close = function () {
    if (source) { source.close(); source = null; }
  };
  // `pagehide`/`pageshow`, never `unload`: the page stays eligible for the back/forward cache.
  window.addEventListener("pagehide", close);
  window.addEventListener("pageshow", open);
  document.addEventListener("visibilitychange", function () { if (document.hidden) { close(); } else { open(); } });
  open();
})();

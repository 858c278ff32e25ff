// maitre web push: signs this browser up for notifications with the server's key and hands its subscription to
// the server. Shown only where the browser can receive pushes; the page works without it.
(function () {
  "use strict";

  var box = document.getElementById("push-enable");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) { return; }
  var button = document.getElementById("push-enable-button");
  var status = document.getElementById("push-status");
  box.hidden = false;

  var say = function (text) { status.textContent = text; };

  // The key comes as base64url text; the browser wants its bytes.
  var keyBytes = function (text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(b64 + "===".slice((b64.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  };

  var send = function (subscription) {
    var json = subscription.toJSON();
    var body = new URLSearchParams();
    body.set("_csrf", box.dataset.csrf);
    body.set("endpoint", json.endpoint);
    body.set("p256dh", json.keys.p256dh);
    body.set("auth", json.keys.auth);
    return fetch(box.dataset.action, { method: "POST", credentials: "same-origin", body: body })
      .then(function (r) { return r.text().then(function (t) { if (!r.ok) { throw new Error(t); } return t; }); });
  };

  button.addEventListener("click", function () {
    button.disabled = true;
    say(box.dataset.working);
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { throw new Error("denied"); }
      return navigator.serviceWorker.register("/sw.js").then(function () { return navigator.serviceWorker.ready; });
    }).then(function (registration) {
      return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.key) });
    }).then(send).then(function () {
      window.location.reload();
    }).catch(function (e) {
      button.disabled = false;
      say(e && e.message === "denied" ? box.dataset.denied : box.dataset.failed);
    });
  });
})();

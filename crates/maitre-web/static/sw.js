// maitre's service worker: makes the dashboard installable and shows a small offline page when the network is
// gone. It caches that page only: nothing holding guests' data is ever stored on the device.
"use strict";
var CACHE = "maitre-offline-v1";
var OFFLINE = "/offline";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.add(OFFLINE); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// Pages come from the network as always; only when it fails does the offline page stand in.
self.addEventListener("fetch", function (event) {
  if (event.request.mode !== "navigate") { return; }
  event.respondWith(fetch(event.request).catch(function () {
    return caches.match(OFFLINE);
  }));
});

// A push from maitre (see maitre-notify's push.rs): the business as title, what happened as body. The tag is the
// notification's id, so a push sent twice shows once.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "maitre", {
    body: data.body || "",
    tag: data.tag,
    icon: "/static/icon.svg",
    data: { url: data.url || "/" }
  }));
});

// A tap opens what the notification is about, in a dashboard tab already open when there is one.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (tabs) {
    for (var i = 0; i < tabs.length; i++) {
      if ("navigate" in tabs[i]) { return tabs[i].navigate(url).then(function (tab) { return tab && tab.focus(); }); }
    }
    return self.clients.openWindow(url);
  }));
});

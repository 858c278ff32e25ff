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

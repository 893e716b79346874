{% load static %}/* The member's app service worker. It keeps only the app shell (styles, scripts, icons and
 * the offline page, none of which names a person) so the app opens and queued reports can be
 * seen without signal. Pages are always fetched from the network: nothing under /p/, /api/ or
 * /account/, no photo and no response marked no-store is ever kept, because data on a member's
 * phone is out of the scheme's control. */
"use strict";

var SHELL_CACHE = "bcrp-shell-v2";
var OFFLINE_URL = "{{ offline_url }}";
var STATIC_PREFIX = "{% get_static_prefix %}";
var SHELL = [
  OFFLINE_URL,
  "{% static 'vendor/pico/pico.min.css' %}",
  "{% static 'css/app.css' %}",
  "{% static 'vendor/htmx/htmx.min.js' %}",
  "{% static 'js/app.js' %}",
  "{% static 'js/upload.js' %}",
  "{% static 'js/offline-reports.js' %}",
  "{% static 'vendor/tom-select/tom-select.min.css' %}",
  "{% static 'vendor/tom-select/tom-select.base.min.js' %}",
  "{% static 'js/searchable-select.js' %}",
  "{% static 'icons/icon-192.png' %}",
  "{% static 'icons/favicon.png' %}"
];

function keepable(url, response) {
  if (!response || !response.ok || response.type !== "basic") {
    return false;
  }
  var control = (response.headers.get("Cache-Control") || "").toLowerCase();
  if (control.indexOf("no-store") !== -1 || control.indexOf("private") !== -1) {
    return false;
  }
  return url.pathname === OFFLINE_URL || url.pathname.indexOf(STATIC_PREFIX) === 0;
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then(function (cache) {
        return cache.addAll(SHELL);
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name !== SHELL_CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

// Network first, so an update is seen at once; the kept copy only when there is no signal.
function shellAsset(request, url) {
  return fetch(request)
    .then(function (response) {
      if (keepable(url, response)) {
        var copy = response.clone();
        caches.open(SHELL_CACHE).then(function (cache) {
          cache.put(request, copy);
        });
      }
      return response;
    })
    .catch(function () {
      return caches.match(request).then(function (kept) {
        return kept || Response.error();
      });
    });
}

function page(request) {
  return fetch(request).catch(function () {
    return caches.match(OFFLINE_URL).then(function (kept) {
      return kept || Response.error();
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname === OFFLINE_URL || url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(shellAsset(request, url));
  }
});

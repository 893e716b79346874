/* Incident reports that survive no signal, and the service worker that lets the app open
 * without one.
 *
 *   <form data-offline-report>     an incident form: sent without signal, the whole report
 *                                  (fields, photos and its submission key) is kept in this
 *                                  browser's IndexedDB and sent when the signal returns.
 *   <section data-waiting-reports> shows each kept report and its state; holds a
 *                                  [data-waiting-list] list.
 *   <form data-signout>            asks before signing out while reports wait, and deletes
 *                                  them from the phone if the person goes ahead.
 *
 * A kept report is sent with the key it was written with, so the server stores it once however
 * often it arrives. It is deleted from the phone as soon as the server has it. */
(function () {
  "use strict";

  var DB_NAME = "bcrp-reports";
  var STORE = "waiting";
  var RETRY_MS = 30000;
  var SAVED_PATH = /\/incidents\/\d+\/$/;
  // What each report is doing in this page; what is kept on the phone is only the report.
  var states = {};
  var sending = false;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      // Without the worker the site works as before; only opening it without signal does not.
    });
  }

  function database() {
    return new Promise(function (resolve, reject) {
      var opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = function () {
        opening.result.createObjectStore(STORE, { keyPath: "key" });
      };
      opening.onsuccess = function () {
        resolve(opening.result);
      };
      opening.onerror = function () {
        reject(opening.error);
      };
    });
  }

  function inStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          db.close();
          resolve(request ? request.result : undefined);
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
      });
    });
  }

  function reportsWaiting() {
    return inStore("readonly", function (store) {
      return store.getAll();
    }).then(function (reports) {
      return reports.sort(function (a, b) {
        return a.keptAt - b.keptAt;
      });
    });
  }

  function reportKeep(report) {
    return inStore("readwrite", function (store) {
      return store.put(report);
    });
  }

  function reportForget(key) {
    return inStore("readwrite", function (store) {
      return store.delete(key);
    });
  }

  function reportsForgetAll() {
    return inStore("readwrite", function (store) {
      return store.clear();
    });
  }

  function freshKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 0x100).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function summaryOf(form) {
    var category = form.querySelector("[name=category]");
    var when = form.querySelector("[name=occurred_at]");
    var parts = [];
    if (category && category.selectedOptions && category.selectedOptions[0] && category.value) {
      parts.push(category.selectedOptions[0].textContent.trim());
    }
    if (when && when.value) {
      parts.push(when.value.replace("T", " "));
    }
    return parts.join(", ") || "Incident report";
  }

  function note(form, text) {
    var place = form.querySelector("[data-offline-note]");
    if (place) {
      place.textContent = text;
      place.hidden = !text;
    }
  }

  function formKeep(form) {
    var keyField = form.querySelector("[name=submission_key]");
    var key = (keyField && keyField.value) || freshKey();
    var entries = [];
    var photos = 0;
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File) {
        // An empty file input is sent as a nameless empty file: nothing to keep.
        if (!value.name && !value.size) {
          return;
        }
        photos += 1;
      }
      entries.push([name, name === "submission_key" ? key : value]);
    });
    if (!keyField) {
      entries.push(["submission_key", key]);
    }
    var report = {
      key: key,
      url: form.getAttribute("hx-post") || form.action || window.location.pathname,
      entries: entries,
      photos: photos,
      summary: summaryOf(form),
      keptAt: Date.now(),
    };
    return reportKeep(report).then(function () {
      states[key] = { state: "waiting" };
      form.reset();
      var dropped = form.querySelector("[data-upload-problem]");
      if (dropped) {
        dropped.hidden = true;
      }
      // The next report written on this page is a different report: it needs its own key.
      if (keyField) {
        keyField.value = freshKey();
        keyField.defaultValue = keyField.value;
      }
      note(
        form,
        "No signal: your report is kept on this phone and will be sent by itself when the " +
          "signal returns. You can write another."
      );
      render();
    });
  }

  function stateText(report) {
    var state = states[report.key] || { state: "waiting" };
    if (state.state === "sending") {
      return "Sending " + state.percent + "%";
    }
    if (state.state === "saved") {
      return "Saved";
    }
    if (state.state === "signin") {
      return "Waiting to send: sign in again and it will be sent";
    }
    if (state.state === "refused") {
      return "Not accepted: " + state.reason;
    }
    return "Waiting to send";
  }

  function itemFor(report) {
    var state = states[report.key] || { state: "waiting" };
    var item = document.createElement("li");
    item.setAttribute("data-testid", "waiting-report");
    item.setAttribute("data-state", state.state);
    var title = document.createElement("strong");
    title.textContent = report.summary;
    item.appendChild(title);
    var detail = document.createElement("small");
    detail.textContent =
      " " + report.photos + " photo" + (report.photos === 1 ? "" : "s") + " · ";
    item.appendChild(detail);
    var status = document.createElement("span");
    status.setAttribute("data-testid", "waiting-report-state");
    status.textContent = stateText(report);
    item.appendChild(status);
    if (state.state === "saved" && state.link) {
      var link = document.createElement("a");
      link.href = state.link;
      link.textContent = " Open the report";
      item.appendChild(link);
    }
    if (state.state === "refused") {
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "secondary outline small";
      discard.textContent = "Delete from this phone";
      discard.addEventListener("click", function () {
        reportForget(report.key).then(function () {
          delete states[report.key];
          render();
        });
      });
      item.appendChild(discard);
    }
    return item;
  }

  // Reports sent from this page stay listed (as saved) after they leave the phone's storage.
  var shown = {};

  function render() {
    var sections = document.querySelectorAll("[data-waiting-reports]");
    if (!sections.length) {
      return Promise.resolve();
    }
    return reportsWaiting().then(function (reports) {
      reports.forEach(function (report) {
        shown[report.key] = report;
      });
      var all = Object.keys(shown)
        .map(function (key) {
          return shown[key];
        })
        .sort(function (a, b) {
          return a.keptAt - b.keptAt;
        });
      sections.forEach(function (section) {
        var list = section.querySelector("[data-waiting-list]");
        list.replaceChildren.apply(list, all.map(itemFor));
        section.hidden = all.length === 0;
      });
    });
  }

  function problemIn(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var problems = page.querySelectorAll("[role=alert], .errorlist, [aria-invalid=true] + small");
    var words = Array.prototype.map
      .call(problems, function (element) {
        return element.textContent.trim();
      })
      .filter(Boolean);
    return words.join(" ") || "the server refused it; write it again on the form.";
  }

  function send(report) {
    return new Promise(function (resolve) {
      var body = new FormData();
      report.entries.forEach(function (entry) {
        body.append(entry[0], entry[1]);
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", report.url);
      // As htmx sends the form: a saved report answers with the address of the report.
      xhr.setRequestHeader("HX-Request", "true");
      states[report.key] = { state: "sending", percent: 0 };
      render();
      xhr.upload.addEventListener("progress", function (progress) {
        if (progress.lengthComputable && progress.total > 0) {
          states[report.key] = {
            state: "sending",
            percent: Math.floor((progress.loaded / progress.total) * 100),
          };
          render();
        }
      });
      xhr.onload = function () {
        var target = xhr.getResponseHeader("HX-Redirect") || "";
        var path = target ? new URL(target, window.location.href).pathname : "";
        if (SAVED_PATH.test(path)) {
          states[report.key] = { state: "saved", link: target };
          reportForget(report.key).then(render, render).then(resolve);
          return;
        }
        if (target || xhr.status === 403 || /\/login\//.test(xhr.responseURL || "")) {
          // Signed out, or a second factor is due: kept until the person signs in again.
          states[report.key] = { state: "signin" };
        } else if (xhr.status >= 400 && xhr.status < 500) {
          states[report.key] = { state: "refused", reason: problemIn(xhr.responseText) };
        } else {
          states[report.key] = { state: "waiting" };
        }
        render();
        resolve();
      };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () {
        states[report.key] = { state: "waiting" };
        render();
        resolve();
      };
      xhr.send(body);
    });
  }

  function sendWaiting() {
    if (sending || navigator.onLine === false) {
      return Promise.resolve();
    }
    sending = true;
    return reportsWaiting()
      .then(function (reports) {
        var due = reports.filter(function (report) {
          var state = (states[report.key] || {}).state;
          return state !== "refused" && state !== "saved";
        });
        return due.reduce(function (chain, report) {
          return chain.then(function () {
            return send(report);
          });
        }, Promise.resolve());
      })
      .catch(function () {})
      .then(function () {
        sending = false;
      });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.matches && form.matches("form[data-offline-report]") && navigator.onLine === false) {
      event.preventDefault();
      formKeep(form);
    }
  });

  // The connection dropped while sending: the report may or may not have arrived; its key makes
  // sending it again safe.
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.matches && form.matches("form[data-offline-report]")) {
      formKeep(form);
    }
  });

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-signout")) {
        return;
      }
      event.preventDefault();
      reportsWaiting()
        .catch(function () {
          return [];
        })
        .then(function (reports) {
          if (!reports.length) {
            form.submit();
            return;
          }
          var question =
            reports.length +
            (reports.length === 1 ? " report has" : " reports have") +
            " not been sent yet. Signing out deletes " +
            (reports.length === 1 ? "it" : "them") +
            " from this phone. Sign out anyway?";
          if (window.confirm(question)) {
            reportsForgetAll().then(function () {
              form.submit();
            });
          }
        });
    },
    true
  );

  window.addEventListener("online", sendWaiting);
  window.setInterval(sendWaiting, RETRY_MS);
  render().then(sendWaiting);
})();

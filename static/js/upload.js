/* Forms that send photos (marked data-upload, sent by htmx): a progress bar fills as the body
 * goes up, and the person is told plainly when the connection drops. htmx disables the submit
 * button while sending (hx-disabled-elt) and drops a second send (hx-sync), so a double tap
 * sends once; this file keeps the button disabled while the browser opens the saved report.
 * No inline scripts or handlers, so a strict Content-Security-Policy holds. */
(function () {
  "use strict";

  var DROPPED =
    "Not sent: the connection dropped. Nothing you entered is lost: press the button again " +
    "when you have signal.";

  function uploadForm(event) {
    var form = event.detail && event.detail.elt;
    return form && form.matches && form.matches("form[data-upload]") ? form : null;
  }

  function part(form, name) {
    return form.querySelector("[data-upload-" + name + "]");
  }

  function say(form, text) {
    var problem = part(form, "problem");
    if (problem) {
      problem.textContent = text;
      problem.hidden = !text;
    }
  }

  document.addEventListener("htmx:beforeSend", function (event) {
    var form = uploadForm(event);
    if (!form) {
      return;
    }
    say(form, "");
    var bar = part(form, "progress");
    if (!bar) {
      return;
    }
    bar.value = 0;
    bar.max = 100;
    bar.hidden = false;
    // The upload's own progress: htmx's xhr:progress mixes in the download of the answer.
    event.detail.xhr.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable && progress.total > 0) {
        bar.max = progress.total;
        bar.value = progress.loaded;
      }
    });
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = uploadForm(event);
    if (!form) {
      return;
    }
    var xhr = event.detail.xhr;
    var bar = part(form, "progress");
    if (xhr && xhr.status && xhr.getResponseHeader("HX-Redirect")) {
      // Saved: the browser is opening the report. htmx has just re-enabled the button; a tap
      // now would send the report again.
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
      return;
    }
    if (bar) {
      bar.hidden = true;
    }
    if (event.detail.successful && form.hasAttribute("data-upload-reset")) {
      form.reset();
    }
  });

  function dropped(event) {
    var form = uploadForm(event);
    if (form) {
      say(form, DROPPED);
    }
  }
  document.addEventListener("htmx:sendError", dropped);
  document.addEventListener("htmx:timeout", dropped);

  document.addEventListener("htmx:responseError", function (event) {
    var form = uploadForm(event);
    if (form) {
      say(
        form,
        "Not saved: the server could not take it just now (error " +
          event.detail.xhr.status +
          "). Nothing you entered is lost: try again in a moment."
      );
    }
  });
})();

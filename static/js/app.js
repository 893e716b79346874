/* Behaviour that templates ask for with data- attributes, so no page carries inline script or
 * event handlers and the strict Content-Security-Policy holds.
 *
 *   <form data-confirm="Question?">   asks before sending; Cancel sends nothing.
 *   <button data-print>               prints the page.
 *   <form data-drop-empty>            htmx leaves out empty fields, so the address keeps only
 *                                     the filters in use.
 */
(function () {
  "use strict";

  // Capture phase: the question comes before htmx or anything else acts on the submit.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var question = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.target;
    if (!(form instanceof Element) || !form.closest("[data-drop-empty]")) {
      return;
    }
    var data = event.detail.formData;
    var names = new Set();
    data.forEach(function (value, name) {
      if (value === "") {
        names.add(name);
      }
    });
    names.forEach(function (name) {
      var kept = data.getAll(name).filter(function (value) {
        return value !== "";
      });
      data.delete(name);
      kept.forEach(function (value) {
        data.append(name, value);
      });
    });
  });
})();

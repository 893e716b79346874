/* Behaviour that templates ask for with data- attributes, so no page carries inline script or
 * event handlers and the strict Content-Security-Policy holds.
 *
 *   <form data-confirm="Question?">   asks before sending; Cancel sends nothing.
 *   <button data-print>               prints the page.
 *   <form data-drop-empty>            htmx leaves out empty fields, so the address keeps only
 *                                     the filters in use.
 *   <select data-scopes-of-role="n">  its options carry data-role; of the checkboxes named n
 *                                     (each with data-roles), those the chosen role cannot
 *                                     give are hidden and not sent (the server refuses them).
 *   <button data-copy="id" hidden>    copies the text of element #id; shown where the browser
 *                                     can copy.
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

  function offerScopesOf(select) {
    var chosen = select.selectedOptions[0];
    var role = chosen ? chosen.getAttribute("data-role") : null;
    var name = select.getAttribute("data-scopes-of-role");
    select.form.querySelectorAll("input[data-roles]").forEach(function (box) {
      if (box.name !== name) {
        return;
      }
      var allowed = role === null || box.getAttribute("data-roles").split(" ").indexOf(role) !== -1;
      box.disabled = !allowed;
      box.closest("label").hidden = !allowed;
    });
  }

  document.querySelectorAll("select[data-scopes-of-role]").forEach(offerScopesOf);
  document.addEventListener("change", function (event) {
    if (event.target instanceof HTMLSelectElement && event.target.hasAttribute("data-scopes-of-role")) {
      offerScopesOf(event.target);
    }
  });

  if (navigator.clipboard) {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    var source = button ? document.getElementById(button.getAttribute("data-copy")) : null;
    if (source) {
      navigator.clipboard.writeText(source.textContent.trim()).then(
        function () {
          button.textContent = "Copied";
        },
        function () {
          // Refused (no permission): select it, ready for the person to copy by hand.
          window.getSelection().selectAllChildren(source);
        }
      );
    }
  });
})();

/* A long list to pick one name from, searched by typing: <select data-searchable="Placeholder">.
 *
 * A large partnership's gallery is thousands of people, and a phone's own list of them is a
 * scroll of thousands. Tom Select (vendored in static/vendor/tom-select) puts a search box over
 * the same <select>: typing part of a name or alias narrows the list, and the choice is written
 * back to the <select>, so the form, htmx and the offline queue send what they always sent.
 * Without JavaScript the ordinary <select> stays. Re-applied to what htmx swaps in (a form sent
 * back with its errors).
 */
(function () {
  "use strict";

  // A few screens of names at most: typing narrows it, and a phone draws 50 rows at once easily.
  var SHOWN = 50;

  function enhance(root) {
    if (typeof window.TomSelect !== "function") {
      return;
    }
    root.querySelectorAll("select[data-searchable]").forEach(function (select) {
      if (select.tomselect) {
        return;
      }
      var searchable = new window.TomSelect(select, {
        maxOptions: SHOWN,
        allowEmptyOption: true,
        placeholder: select.getAttribute("data-searchable") || "",
        // The person's words in any order: "smith jo" finds "Jo Smith".
        searchConjunction: "and",
        sortField: [{ field: "$order" }],
        render: {
          no_results: function (data, escape) {
            return '<div class="no-results">No one in the gallery matches "' + escape(data.input) + '".</div>';
          },
        },
      });
      // While a name is typed, the choice it will replace stands aside (app.css).
      searchable.on("type", function (query) {
        searchable.wrapper.classList.toggle("is-typing", query !== "");
      });
      searchable.on("blur", function () {
        searchable.wrapper.classList.remove("is-typing");
      });
    });
  }

  // htmx (every page has it, base.html) calls this for the page once it is read, then for
  // whatever it swaps in.
  window.htmx.onLoad(enhance);
})();

// Starts Swagger UI or Redoc on the API reference pages, with the schema address the page names.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var swagger = document.getElementById("swagger-ui");
    if (swagger && window.SwaggerUIBundle) {
      window.ui = window.SwaggerUIBundle({
        url: swagger.dataset.schemaUrl,
        dom_id: "#swagger-ui",
        presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
        layout: "StandaloneLayout",
        deepLinking: true,
        persistAuthorization: false,
      });
    }
    var redoc = document.getElementById("redoc");
    if (redoc && window.Redoc) {
      window.Redoc.init(redoc.dataset.schemaUrl, { hideDownloadButton: false }, redoc);
    }
  });
})();

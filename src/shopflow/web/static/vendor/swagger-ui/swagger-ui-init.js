// shopflow's start-up for Swagger UI (a file, not an inline script, so a strict
// Content-Security-Policy can forbid inline code). Settings come from a JSON block the
// page renders; unsafe requests carry the CSRF token, since the browser signs in by session.
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.dataset.csrfToken;
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis];
  settings.requestInterceptor = function (request) {
    if (csrfToken) {
      request.headers["X-CSRFToken"] = csrfToken;
    }
    return request;
  };
  window.ui = SwaggerUIBundle(settings);
})();

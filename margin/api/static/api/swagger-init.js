/* Starts Swagger UI on /api/v1/docs from the settings the page carries (no inline script: the CSP forbids it).
   "Try it out" sends the session's CSRF token, as the API requires of signed-in browsers. */
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrf = document.body.dataset.csrfToken;
  settings.dom_id = "#swagger-ui";
  settings.presets = [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset];
  settings.requestInterceptor = function (request) {
    if (csrf) { request.headers["X-CSRFToken"] = csrf; }
    return request;
  };
  window.SwaggerUIBundle(settings);
})();

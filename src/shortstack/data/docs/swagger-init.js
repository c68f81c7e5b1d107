// Starts Swagger UI from a file of its own, not an inline script, so that the page keeps
// the strict Content-Security-Policy (script-src 'self'). validatorUrl: null stops
// Swagger UI from fetching a validity badge from another host.
(function start() {
  var holder = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: holder.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
  });
})();

// The API console: Swagger UI (swagger-ui-bundle.js, loaded before this) on the OpenAPI document.
// Swagger UI leaves its server list without an accessible name and adds a second <main>; both are
// mended here, again after each re-render.
(function () {
  'use strict';
  var root = document.getElementById('swagger-ui');
  if (!root || !window.SwaggerUIBundle) return;
  function nameControls() {
    var servers = document.getElementById('servers');
    if (servers && !servers.hasAttribute('aria-label')) servers.setAttribute('aria-label', 'Server');
    // the page has its own <main>; Swagger UI's list of operations is a region inside it
    var operations = document.querySelector('#swagger-ui main');
    if (operations && operations.getAttribute('role') !== 'region') {
      operations.setAttribute('role', 'region');
      operations.setAttribute('aria-label', 'Operations');
    }
  }
  window.SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    dom_id: '#swagger-ui',
    deepLinking: false,
    tryItOutEnabled: true,
    persistAuthorization: false,
    displayRequestDuration: true,
    onComplete: nameControls,
  });
  new MutationObserver(nameControls).observe(root, { childList: true, subtree: true });
})();

// api.js - starts Swagger UI on /openapi.json for api.html.
window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#api-reference',
    deepLinking: true,
    docExpansion: 'list',
    tryItOutEnabled: false,
    persistAuthorization: false,
});

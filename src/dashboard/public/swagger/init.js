// Starts Swagger UI on the /docs page (src/routes/docs.ts): a file, not an inline script, so the
// page's Content-Security-Policy can forbid inline scripts.
globalThis.ui = globalThis.SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true });

import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context";

export function docsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A JWT from POST /api/v1/login, or an API token (frt_...)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "basicAuth", {
    type: "http",
    scheme: "basic",
    description: "Username with password or API token",
  });
  app.doc31("/api/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "FlowRunner API",
      version: "1.0.0",
      description:
        "Store YAML flows, run them, and watch them. Every error body is `{error: {code, message, details}}`. Every operation has a stable `operationId` for generated clients.",
      license: { name: "MIT", url: "https://opensource.org/license/mit" },
    },
    // Relative: the server that serves the document is the one it describes, wherever it runs.
    servers: [{ url: "/", description: "The server that serves this document" }],
    tags: TAGS,
  });
  // Swagger UI's files are the dashboard's static assets (copied by its build), so the page works
  // offline and under a CSP that allows no script from elsewhere and none inline.
  app.get("/docs", (c) =>
    c.html(DOCS_PAGE, 200, {
      "Content-Security-Policy":
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      "X-Content-Type-Options": "nosniff",
    }),
  );
}

const TAGS = [
  { name: "Health", description: "Probes for load balancers and monitors; public" },
  { name: "Accounts", description: "Sign-up, login and the calling account" },
  { name: "API tokens", description: "Long-lived credentials for scripts and CI" },
  { name: "Flows", description: "Flow definitions and their versions" },
  { name: "Executions", description: "Runs: start, follow, cancel, resume, re-run, and the live WebSocket" },
  { name: "Triggers", description: "Public webhook URLs of flows' webhook triggers (outside /api/v1; no account credential)" },
  { name: "Schedules", description: "Cron triggers" },
  { name: "Secrets", description: "The account's encrypted vault" },
  { name: "Webhooks", description: "Outbound webhook subscriptions and their deliveries" },
  { name: "Plugins", description: "Node types of the account's own" },
  { name: "Store", description: "The account's key-value store" },
  { name: "Audit", description: "The account's security audit log" },
];

const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>FlowRunner API</title>
    <link rel="stylesheet" href="/swagger/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/swagger/swagger-ui-bundle.js"></script>
    <script src="/swagger/init.js"></script>
  </body>
</html>
`;

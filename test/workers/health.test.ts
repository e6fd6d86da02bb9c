import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";

describe("service endpoints", () => {
  it("answers health on both paths", async () => {
    for (const path of ["/health", "/api/v1/health"]) {
      const body = (await (await call(path)).json()) as { status: string; time: string };
      expect(body.status).toBe("ok");
      expect(Math.abs(Date.parse(body.time) - Date.now())).toBeLessThan(60_000);
    }
  });

  it("serves an OpenAPI 3.1 document generated from the routes", async () => {
    const res = await call("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[]; requestBody?: { content: Record<string, unknown> } }>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/api/v1/accounts",
      "/api/v1/login",
      "/api/v1/accounts/me",
      "/api/v1/tokens",
      "/api/v1/tokens/{id}",
      "/api/v1/flows",
      "/api/v1/flows/{id}",
      "/api/v1/flows/{id}/versions/{version}",
      "/api/v1/flows/{id}/metadata",
      "/api/v1/flows/validate",
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(Object.keys(doc.paths["/api/v1/flows/{id}"]!).sort()).toEqual(["delete", "get", "put"]);
    expect(Object.keys(doc.paths["/api/v1/flows"]!.post!.requestBody!.content).sort()).toEqual([
      "application/json",
      "application/x-yaml",
      "application/yaml",
      "text/x-yaml",
      "text/yaml",
    ]);
    expect(doc.paths["/api/v1/flows"]!.get!.security).toBeDefined();
    expect(doc.components.securitySchemes).toHaveProperty("bearerAuth");
    expect(doc.components.schemas).toHaveProperty("Error");
  });

  it("serves a browsable API page at /docs from its own files, under a CSP without inline scripts", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Security-Policy")).toContain("script-src 'self';");
    const html = await res.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1]!.trim())).toEqual(['src="/swagger/swagger-ui-bundle.js"', 'src="/swagger/init.js"']);
    expect(scripts.every((m) => m[2]!.trim() === "")).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    for (const [file, text] of [
      ["/swagger/init.js", "/api/v1/openapi.json"],
      ["/swagger/swagger-ui-bundle.js", "SwaggerUIBundle"],
      ["/swagger/swagger-ui.css", ".swagger-ui"],
    ] as const) {
      // Served by the assets router, in front of the Worker; in the pool it is reached by its binding.
      const asset = await env.ASSETS!.fetch(`http://localhost${file}`);
      expect(asset.status, file).toBe(200);
      expect(await asset.text(), file).toContain(text);
    }
  });
});

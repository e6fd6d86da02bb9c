import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call, expectError, HELLO_FLOW, signUp } from "../helpers/api";

describe("the error envelope", () => {
  it("answers unknown routes with 404", async () => {
    await expectError(await call("/api/v1/nope"), 404, "not_found");
    await expectError(await call("/definitely/not/here"), 404, "not_found");
  });

  it("answers a wrong method with 405 and Allow", async () => {
    const res = await call("/api/v1/login", { method: "GET" });
    await expectError(res, 405, "method_not_allowed");
    expect(res.headers.get("Allow")).toBe("POST");
    const user = await signUp();
    const flows = await call("/api/v1/flows/flw_abc/versions", { method: "DELETE", headers: user.auth });
    await expectError(flows, 405, "method_not_allowed");
    expect(flows.headers.get("Allow")).toBe("GET");
  });

  it("answers malformed JSON with 400 invalid_json", async () => {
    const res = await call("/api/v1/accounts", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{not json" });
    await expectError(res, 400, "invalid_json");
    const user = await signUp();
    await expectError(
      await call("/api/v1/flows", { method: "POST", headers: { ...user.auth, "Content-Type": "application/json" }, body: '{"content": ' }),
      400,
      "invalid_json",
    );
  });

  it("answers a wrong Content-Type with 415", async () => {
    await expectError(
      await call("/api/v1/accounts", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "username=a" }),
      415,
      "unsupported_media_type",
    );
    const user = await signUp();
    await expectError(
      await call("/api/v1/flows", {
        method: "POST",
        headers: { ...user.auth, "Content-Type": "application/x-www-form-urlencoded" },
        body: "a=b",
      }),
      415,
      "unsupported_media_type",
    );
    await expectError(
      await call("/api/v1/tokens", { method: "POST", headers: { ...user.auth, "Content-Type": "application/yaml" }, body: "name: x" }),
      415,
      "unsupported_media_type",
    );
  });

  it("answers a body over 1 MiB with 413 and saves nothing", async () => {
    const user = await signUp();
    const content = HELLO_FLOW + `# ${"x".repeat(1024 * 1024)}\n`;
    await expectError(await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { content } }), 413, "payload_too_large");
    const list = (await (await call("/api/v1/flows", { headers: user.auth })).json()) as { flows: unknown[] };
    expect(list.flows).toEqual([]);
  });

  it("answers a missing body with 400", async () => {
    await expectError(await call("/api/v1/accounts", { method: "POST" }), 400, "validation_failed");
  });
});

describe("no input produces a 5xx", () => {
  const jsonish = fc.oneof(
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.record({ username: fc.string(), password: fc.string() }).map((v) => JSON.stringify(v)),
    fc
      .record({ name: fc.oneof(fc.string(), fc.integer()), content: fc.oneof(fc.string(), fc.constant(HELLO_FLOW)) })
      .map((v) => JSON.stringify(v)),
    fc.string(),
  );
  const yamlish = fc.oneof(
    fc.string(),
    fc.string({ unit: fc.constantFrom("a", ":", " ", "\n", "-", "{", "}", "[", "]", "'", '"', "&", "*", "!", "#", "|", ">", "$", "{") }),
    fc.jsonValue().map((v) => `metadata: {name: fuzz}\nnodes: ${JSON.stringify(v)}\n`),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue()).map((v) => `metadata: {name: f}\nnodes:\n  a: ${JSON.stringify(v)}\n`),
  );
  const bytes = fc.uint8Array({ maxLength: 512 });

  it("on every write endpoint, for random bytes, JSON and YAML", async () => {
    const user = await signUp();
    const flow = (await (await call("/api/v1/flows", { method: "POST", headers: user.auth, json: { content: HELLO_FLOW } })).json()) as {
      id: string;
    };
    const endpoints: [string, string, boolean][] = [
      ["POST", "/api/v1/accounts", false],
      ["POST", "/api/v1/login", false],
      ["POST", "/api/v1/tokens", true],
      ["POST", "/api/v1/flows", true],
      ["POST", "/api/v1/flows/validate", true],
      ["PUT", `/api/v1/flows/${flow.id}`, true],
      ["PATCH", `/api/v1/flows/${flow.id}/metadata`, true],
    ];
    const contentTypes = ["application/json", "application/yaml", "text/plain", "application/octet-stream", ""];
    const body = fc.oneof(
      jsonish.map((s) => new TextEncoder().encode(s)),
      yamlish.map((s) => new TextEncoder().encode(s)),
      bytes,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...endpoints),
        fc.constantFrom(...contentTypes),
        body,
        async ([method, path, authed], type, payload) => {
          const headers: Record<string, string> = authed ? { ...user.auth } : {};
          if (type) headers["Content-Type"] = type;
          const res = await call(path, { method, headers, body: payload });
          const text = await res.text();
          expect(res.status, `${method} ${path} ${type} -> ${text}`).toBeLessThan(500);
          if (res.status >= 400) expect(JSON.parse(text)).toHaveProperty("error.code");
        },
      ),
      { numRuns: 150 },
    );
  });
});

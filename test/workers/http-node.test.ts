import { describe, expect, inject, it } from "vitest";
import { runFlow, saveFlow, signUp, yaml, type TestUser } from "../helpers/api";

const HTTP = inject("httpBase");

interface Echo {
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: string;
}

/** Runs a one-node http.request flow with the given params and returns the node's output. */
async function request(user: TestUser, params: string, extra = "") {
  const flow = await saveFlow(user, `metadata: {name: http}\nnodes:\n  call:\n    type: http.request\n    params: ${params}\n${extra}`);
  return runFlow(user, flow, { base: HTTP });
}

describe("http.request", () => {
  it("sends method, headers, query params and a JSON body, and parses a JSON answer", async () => {
    const user = await signUp();
    const run = await request(
      user,
      `{url: "${HTTP}/echo/a?x=1", method: PUT, headers: {X-One: 1}, query_params: {y: two, z: 3}, body: {a: [1, 2]}}`,
    );
    expect(run.status).toBe("completed");
    const out = run.output as {
      status_code: number;
      success: boolean;
      body: Echo;
      headers: Record<string, string>;
      metadata: Record<string, unknown>;
      raw_body: string;
    };
    expect(out.status_code).toBe(200);
    expect(out.success).toBe(true);
    expect(out.body.method).toBe("PUT");
    expect(out.body.query).toEqual({ x: "1", y: "two", z: "3" });
    expect(out.body.headers["x-one"]).toBe("1");
    expect(out.body.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(out.body.body)).toEqual({ a: [1, 2] });
    expect(out.headers["content-type"]).toBe("application/json");
    expect(out.metadata).toMatchObject({ request_method: "PUT", content_type: "application/json" });
    expect(JSON.parse(out.raw_body)).toEqual(out.body);
  });

  it("sends form data and text bodies", async () => {
    const user = await signUp();
    const form = (await request(user, `{url: "${HTTP}/echo/f", method: POST, form_data: {name: "Ada L", n: 3}}`)).output as { body: Echo };
    expect(form.body.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(form.body.body).toBe("name=Ada+L&n=3");
    const text = (await request(user, `{url: "${HTTP}/echo/t", method: POST, body: "just words"}`)).output as { body: Echo };
    expect(text.body.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(text.body.body).toBe("just words");
  });

  it.for([
    ["{bearer_token: t0k3n}", "authorization", "Bearer t0k3n"],
    ["{auth: {token: t0k3n}}", "authorization", "Bearer t0k3n"],
    ["{api_key: k3y}", "x-api-key", "k3y"],
    ["{auth: {api_key: k3y, key_name: X-Key}}", "x-key", "k3y"],
    ["{username: ada, password: pw}", "authorization", `Basic ${btoa("ada:pw")}`],
    ["{auth: {username: ada, password: pw}}", "authorization", `Basic ${btoa("ada:pw")}`],
  ] as const)("applies the auth shortcut %s", async ([auth, header, value]) => {
    const user = await signUp();
    const params = `{url: "${HTTP}/echo/auth", ${auth.slice(1, -1)}}`;
    const out = (await request(user, params)).output as { body: Echo };
    expect(out.body.headers[header]).toBe(value);
  });

  it("keeps a text answer as text", async () => {
    const user = await signUp();
    const out = (await request(user, `{url: "${HTTP}/text"}`)).output as { body: unknown };
    expect(out.body).toBe("plain words");
  });

  it("follows redirects unless told not to", async () => {
    const user = await signUp();
    const followed = (await request(user, `{url: "${HTTP}/redirect"}`)).output as {
      status_code: number;
      metadata: { request_url: string };
    };
    expect(followed.status_code).toBe(200);
    const kept = await request(user, `{url: "${HTTP}/redirect", follow_redirects: false}`);
    expect((kept.output as { status_code: number; headers: Record<string, string> }).status_code).toBe(302);
    expect((kept.output as { headers: Record<string, string> }).headers.location).toBe("/echo/redirected");
  });

  it.for([
    [200, "success"],
    [201, "success"],
    [404, "client_error"],
    [429, "client_error"],
    [500, "server_error"],
    [503, "server_error"],
  ] as const)("routes status %i to the %s edge", async ([status, edge]) => {
    const user = await signUp();
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: route}
nodes:
  call: {type: http.request, params: {url: "${HTTP}/status/${status}"}, next: {success: s, client_error: c, server_error: e}}
  s: {type: transform, params: {script: "return 'success'"}}
  c: {type: transform, params: {script: "return 'client_error'"}}
  e: {type: transform, params: {script: "return 'server_error'"}}
`,
    );
    expect((await runFlow(user, flow)).output).toBe(edge);
  });

  it("fails with network_error when nothing listens, and with a clear code for bad URLs and huge answers", async () => {
    const user = await signUp();
    const down = await request(user, `{url: "http://127.0.0.1:9/nothing", timeout: 2s}`);
    expect(down).toMatchObject({ status: "failed", error: { code: "network_error", node_id: "call" } });
    const bad = await request(user, `{url: "ftp://example.com/file"}`);
    expect(bad).toMatchObject({ status: "failed", error: { code: "invalid_url" } });
    const huge = await request(user, `{url: "${HTTP}/big"}`);
    expect(huge).toMatchObject({ status: "failed", error: { code: "response_too_large" } });
    const slow = await request(user, `{url: "${HTTP}/slow/1500", timeout: 100ms}`);
    expect(slow).toMatchObject({ status: "failed", error: { code: "http_timeout" } });
  });
});

/**
 * What a webhook URL refuses before a run starts (unknown URL, method, size, rate, switched-off
 * flow, malformed JSON), its CORS answers, how bodies reach the flow, and a URL's life with its flow.
 */
import { describe, expect, it } from "vitest";
import { call, expectError, signUp, uniqueName, yaml, type TestUser } from "../helpers/api";
import { executionsOf, hook, postJson, saveHookFlow, type Hook } from "../helpers/hooks";

const runsOf = (user: TestUser, h: Hook) => executionsOf(user, `trigger_type=webhook&trigger_id=${h.triggerId}`);

/** A flow that answers with its input, with these trigger settings (YAML flow mapping entries). */
const echo = (settings = "", name = uniqueName("hook")) => yaml`
metadata: {name: ${name}}
triggers: [{type: webhook, response: last_node${settings ? `, ${settings}` : ""}}]
nodes:
  echo: {type: transform, params: {script: "return input"}}
`;

interface Input {
  method: string;
  body: unknown;
  body_encoding: string;
  content_type: string | null;
  raw_body?: string;
}

describe("webhook URL refusals", () => {
  it("404 for an unknown, malformed or non-webhook trigger id", async () => {
    await expectError(await hook("/hooks/trg_0000000000000000000000000"), 404, "not_found");
    await expectError(await hook("/hooks/not-an-id"), 404, "not_found");
    const user = await signUp();
    const res = await call("/api/v1/flows", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: yaml`
metadata: {name: ${uniqueName("cron")}}
triggers: [{type: cron, cron: "0 9 * * *"}]
nodes:
  a: {type: transform, params: {script: "return 1"}}
`,
    });
    const flow = (await res.json()) as { triggers: { id: string }[] };
    await expectError(await hook(`/hooks/${flow.triggers[0]!.id}`), 404, "not_found");
  });

  it("405 with Allow for a method the trigger does not take", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, echo("methods: [POST, PUT]"));
    const res = await hook(h.path, { method: "GET" });
    expect(res.headers.get("Allow")).toBe("POST, PUT");
    await expectError(res, 405, "method_not_allowed");
    const put = await hook(h.path, { method: "PUT", body: "{}", headers: { "Content-Type": "application/json" } });
    expect(put.status).toBe(200);
    expect(((await put.json()) as Input).method).toBe("PUT");
    // Without cors, a preflight is just another method.
    await expectError(await hook(h.path, { method: "OPTIONS" }), 405, "method_not_allowed");
  });

  it("413 past max_body, counted as the body streams, whatever Content-Length says", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, echo("max_body: 64"));
    await expectError(await postJson(h.path, { text: "x".repeat(100) }), 413, "payload_too_large");
    // A streamed body has no Content-Length: it is counted as it arrives.
    const chunks = ['{"a": "', "y".repeat(40), "z".repeat(40), '"}'];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const streamed = await hook(h.path, { body: stream, headers: { "Content-Type": "application/json" } });
    await expectError(streamed, 413, "payload_too_large");
    expect(await runsOf(user, h)).toHaveLength(0);
    expect((await postJson(h.path, { text: "fits" })).status).toBe(200);
  });

  it("429 with Retry-After once the trigger's rate limit is spent", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, echo("rate_limit: {requests: 2, window: 1m}"));
    expect((await postJson(h.path, { n: 1 })).status).toBe(200);
    expect((await postJson(h.path, { n: 2 })).status).toBe(200);
    const limited = await postJson(h.path, { n: 3 });
    const retryAfter = Number(limited.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await expectError(limited, 429, "rate_limited");
    expect(await runsOf(user, h)).toHaveLength(2);
    // Another trigger has its own count.
    const other = await saveHookFlow(user, echo("rate_limit: {requests: 2, window: 1m}"));
    expect((await postJson(other.path, { n: 1 })).status).toBe(200);
  });

  it("409 while the flow is switched off or the trigger is declared enabled: false", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, echo());
    expect((await call(`/api/v1/flows/${h.flowId}/disable`, { method: "POST", headers: user.auth })).status).toBe(200);
    const off = await expectError(await postJson(h.path, {}), 409, "trigger_inactive");
    expect(off.details).toEqual({ reason: "flow_disabled" });
    expect(await runsOf(user, h)).toHaveLength(0);
    expect((await call(`/api/v1/flows/${h.flowId}/enable`, { method: "POST", headers: user.auth })).status).toBe(200);
    expect((await postJson(h.path, {})).status).toBe(200);

    const declaredOff = await saveHookFlow(user, echo("enabled: false"));
    const error = await expectError(await postJson(declaredOff.path, {}), 409, "trigger_inactive");
    expect(error.details).toEqual({ reason: "trigger_disabled" });
  });

  it("400 for a JSON body that does not parse, or past the JSON depth budget", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, echo());
    await expectError(await hook(h.path, { body: '{"a": ', headers: { "Content-Type": "application/json" } }), 400, "invalid_json");
    const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
    await expectError(await hook(h.path, { body: deep, headers: { "Content-Type": "application/json" } }), 400, "validation_failed");
    expect(await runsOf(user, h)).toHaveLength(0);
  });
});

describe("webhook bodies", () => {
  it("gives JSON parsed, forms as objects, text as text, and anything else as base64", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, echo("raw_body: true"));
    const send = async (body: BodyInit, contentType?: string) => {
      const res = await hook(h.path, { body, headers: contentType ? { "Content-Type": contentType } : {} });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      return JSON.parse(text) as Input;
    };
    expect(await send('{"a": [1, 2]}', "application/vnd.api+json")).toMatchObject({
      body: { a: [1, 2] },
      body_encoding: "json",
      content_type: "application/vnd.api+json",
      raw_body: '{"a": [1, 2]}',
    });
    expect(await send("a=1&b=x%20y&a=2", "application/x-www-form-urlencoded; charset=utf-8")).toMatchObject({
      body: { a: ["1", "2"], b: "x y" },
      body_encoding: "form",
    });
    expect(await send("héllo", "text/plain")).toMatchObject({ body: "héllo", body_encoding: "text" });
    const binary = await send(new Uint8Array([0, 255, 1, 2]), "application/octet-stream");
    const base64 = btoa(String.fromCharCode(0, 255, 1, 2));
    expect(binary).toMatchObject({ body: base64, body_encoding: "base64", content_type: "application/octet-stream", raw_body: base64 });
    // A string body would get text/plain from fetch; bytes go without a type.
    expect(await send(new TextEncoder().encode("no type"))).toMatchObject({
      body: btoa("no type"),
      body_encoding: "base64",
      content_type: null,
    });
  });

  it("leaves raw_body out unless the trigger asks for it", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, echo());
    const input = (await (await postJson(h.path, { a: 1 })).json()) as Input;
    expect(input).not.toHaveProperty("raw_body");
  });
});

describe("webhook CORS", () => {
  it("answers a preflight from the trigger's cors, and marks answers for allowed origins", async () => {
    const user = await signUp();
    const h = await saveHookFlow(user, echo("cors: {origins: ['https://app.example'], headers: [X-Custom]}"));
    const pre = await hook(h.path, {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-custom",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    expect(pre.headers.get("Access-Control-Allow-Methods")).toBe("POST");
    expect(pre.headers.get("Access-Control-Allow-Headers")).toBe("Content-Type, X-Custom");
    expect(pre.headers.get("Vary")).toBe("Origin");
    expect(pre.headers.get("Access-Control-Allow-Credentials")).toBeNull();

    const ok = await postJson(h.path, {}, { Origin: "https://app.example" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");
    // Refusals carry them too, so the page can read why.
    const refused = await hook(h.path, { method: "GET", headers: { Origin: "https://app.example" } });
    expect(refused.status).toBe(405);
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBe("https://app.example");

    const stranger = await postJson(h.path, {}, { Origin: "https://evil.example" });
    expect(stranger.headers.get("Access-Control-Allow-Origin")).toBeNull();
    const strangerPre = await hook(h.path, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(strangerPre.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("allows any origin with '*', and sends no CORS headers when the trigger has no cors", async () => {
    const user = await signUp();
    const open = await saveHookFlow(user, echo("cors: {origins: ['*']}"));
    const res = await postJson(open.path, {}, { Origin: "https://anywhere.example" });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");

    const closed = await saveHookFlow(user, echo());
    const none = await postJson(closed.path, {}, { Origin: "https://app.example" });
    expect(none.status).toBe(200);
    expect([...none.headers.keys()].filter((name) => name.startsWith("access-control-"))).toEqual([]);
  });
});

describe("a webhook URL and its flow", () => {
  it("keeps its URL across flow updates and answers 404 once the flow is deleted", async () => {
    const user = await signUp();
    const flowName = uniqueName("hook");
    const h = await saveHookFlow(user, echo("", flowName));
    const updated = await saveHookFlow(
      user,
      yaml`
metadata: {name: ${flowName}}
triggers: [{type: webhook, response: last_node}]
nodes:
  v2: {type: transform, params: {script: "return { version: 2, n: input.body.n }"}}
`,
      { flowId: h.flowId },
    );
    expect(updated.path).toBe(h.path);
    const res = await postJson(h.path, { n: 5 });
    expect(await res.json()).toEqual({ version: 2, n: 5 });

    expect((await call(`/api/v1/flows/${h.flowId}`, { method: "DELETE", headers: user.auth })).status).toBe(204);
    await expectError(await postJson(h.path, { n: 6 }), 404, "not_found");
  });
});

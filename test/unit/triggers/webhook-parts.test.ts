/** The pure parts of a webhook call: the capped body read, body parsing, the run input and the answers per response mode. */
import { describe, expect, it } from "vitest";
import { webhookTriggerSchema } from "../../../src/flow/triggers";
import { parseBody, readBodyWithin } from "../../../src/triggers/webhook-body";
import { webhookInput } from "../../../src/triggers/webhook-input";
import { replyFor, type RunSoFar } from "../../../src/triggers/webhook-reply";

const bytes = (text: string) => new TextEncoder().encode(text);

function streamed(chunks: string[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(bytes(chunk));
      controller.close();
    },
  });
  return new Request("https://x.test/hooks/a", { method: "POST", body, duplex: "half" } as RequestInit);
}

describe("readBodyWithin", () => {
  it("reads up to the limit and stops past it, whether or not Content-Length says so", async () => {
    expect(new TextDecoder().decode((await readBodyWithin(streamed(["ab", "cd"]), 4))!)).toBe("abcd");
    expect(await readBodyWithin(streamed(["ab", "cd", "e"]), 4)).toBeNull();
    const declared = new Request("https://x.test/", { method: "POST", body: "abc", headers: { "Content-Length": "99" } });
    expect(await readBodyWithin(declared, 10)).toBeNull();
    expect(await readBodyWithin(new Request("https://x.test/"), 10)).toEqual(new Uint8Array(0));
  });
});

describe("parseBody", () => {
  it("parses by content type", () => {
    expect(parseBody(bytes('{"a":1}'), "Application/JSON; charset=UTF-8")).toEqual({
      ok: true,
      body: { a: 1 },
      encoding: "json",
      contentType: "application/json",
    });
    expect(parseBody(bytes("a=1&a=2&b="), "application/x-www-form-urlencoded")).toMatchObject({
      body: { a: ["1", "2"], b: "" },
      encoding: "form",
    });
    expect(parseBody(bytes("plain"), "text/csv")).toMatchObject({ body: "plain", encoding: "text", contentType: "text/csv" });
    expect(parseBody(new Uint8Array([1, 2, 250]), "image/png")).toMatchObject({ body: btoa("\x01\x02\xfa"), encoding: "base64" });
    expect(parseBody(new Uint8Array(0), "application/json")).toEqual({
      ok: true,
      body: null,
      encoding: "none",
      contentType: "application/json",
    });
  });

  it("refuses JSON that does not parse or breaks the budget", () => {
    expect(parseBody(bytes("{"), "application/json")).toEqual({ ok: false, problem: "invalid_json" });
    expect(parseBody(bytes(`${"[".repeat(300)}${"]".repeat(300)}`), "application/json")).toMatchObject({
      ok: false,
      problem: "over_budget",
      violation: { limit: "jsonDepth" },
    });
    expect(parseBody(bytes(JSON.stringify({ ["k".repeat(2000)]: 1 })), "application/json")).toMatchObject({
      ok: false,
      problem: "over_budget",
    });
  });
});

describe("webhookInput", () => {
  it("leaves out every credential header and the token's query parameter", () => {
    const trigger = webhookTriggerSchema.parse({ type: "webhook", verify: { scheme: "token", secret: "T", header: "X-Pass", query: "k" } });
    const input = webhookInput(trigger, {
      method: "POST",
      url: new URL("https://x.test/hooks/a?k=s3cret&page=1"),
      headers: new Headers({
        Authorization: "Bearer a",
        Cookie: "c=1",
        "Proxy-Authorization": "p",
        "X-Api-Key": "k",
        "X-Pass": "s3cret",
        "X-Hub-Signature-256": "sha256=00",
        Accept: "*/*",
      }),
      body: null,
      encoding: "none",
      contentType: null,
      rawBody: null,
      deliveryId: null,
      receivedAt: "2026-12-05T12:00:00.000Z",
    });
    expect(input).toEqual({
      method: "POST",
      headers: { accept: "*/*", "x-hub-signature-256": "sha256=00" },
      query: { page: "1" },
      body: null,
      body_encoding: "none",
      content_type: null,
      delivery_id: null,
      received_at: "2026-12-05T12:00:00.000Z",
    });
  });
});

describe("replyFor", () => {
  const run = (status: string, extra: Partial<RunSoFar["execution"]> = {}, answer: RunSoFar["answer"] = null): RunSoFar => ({
    execution: { id: "exe_1", status: status as "running", output: null, error: null, ...extra },
    answer,
  });

  it("immediate: 202 with the execution, whatever the run did", async () => {
    const res = replyFor("immediate", run("completed", { output: { a: 1 } }));
    expect(res.status).toBe(202);
    expect(res.headers.get("Location")).toBe("/api/v1/executions/exe_1");
    expect(await res.json()).toEqual({ execution_id: "exe_1", status: "completed" });
  });

  it("last_node: the output when completed, 502 when failed or cancelled, 202 while it goes on", async () => {
    const done = replyFor("last_node", run("completed", { output: [1, 2] }));
    expect([done.status, await done.json()]).toEqual([200, [1, 2]]);
    const failed = replyFor("last_node", run("failed", { error: { code: "script_runtime", message: "secret host", node_id: "n" } }));
    expect(failed.status).toBe(502);
    const body = await failed.text();
    expect(body).not.toContain("secret host");
    expect(JSON.parse(body)).toEqual({
      error: {
        code: "flow_failed",
        message: "The flow's run failed",
        details: { execution_id: "exe_1", status: "failed", error_code: "script_runtime", node_id: "n" },
      },
    });
    expect(replyFor("last_node", run("cancelled")).status).toBe(502);
    expect(replyFor("last_node", run("waiting")).status).toBe(202);
    expect(replyFor("last_node", run("running")).status).toBe(202);
    // An answer is only for respond_node.
    expect(replyFor("last_node", run("running", {}, { status: 201, headers: {}, body: "x" })).status).toBe(202);
  });

  it("respond_node: the recorded answer, else as last_node", async () => {
    const answered = replyFor("respond_node", run("running", {}, { status: 201, headers: { "x-a": "1" }, body: "<ok/>" }));
    expect(answered.status).toBe(201);
    expect(answered.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    expect(answered.headers.get("X-A")).toBe("1");
    expect(await answered.text()).toBe("<ok/>");
    const json = replyFor("respond_node", run("running", {}, { status: 200, headers: {}, body: { a: [1] } }));
    expect([json.headers.get("Content-Type"), await json.text()]).toEqual(["application/json", '{"a":[1]}']);
    const empty = replyFor("respond_node", run("running", {}, { status: 204, headers: {}, body: { dropped: true } }));
    expect([empty.status, await empty.text()]).toEqual([204, ""]);
    // A bent answer is ignored: the run's state answers instead.
    expect(replyFor("respond_node", run("running", {}, { status: 200, headers: { "set-cookie": "a" }, body: null })).status).toBe(202);
    const fallback = replyFor("respond_node", run("completed", { output: "out" }));
    expect([fallback.status, await fallback.json()]).toEqual([200, "out"]);
  });
});

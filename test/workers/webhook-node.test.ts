/** The webhook node through the API: signed deliveries to the loopback server, verified with the standardwebhooks package. */
import { Webhook } from "standardwebhooks";
import { describe, expect, inject, it } from "vitest";
import { call, runFlow, saveFlow, signUp, type TestUser } from "../helpers/api";

const HTTP = inject("httpBase");
const SECRET = "whsec_" + btoa("webhook signing key for tests 0123456789");

interface Received {
  method: string;
  headers: Record<string, string>;
  body: string;
}

interface WebhookOutput {
  status_code: number;
  webhook_id: string;
  attempts: number;
  success: boolean;
  response: unknown;
  metadata: Record<string, unknown>;
}

const unique = () => crypto.randomUUID();

async function received(key: string): Promise<Received[]> {
  return (await (await fetch(`${HTTP}/inspected/${key}`)).json()) as Received[];
}

async function putSecret(user: TestUser, key: string, value: string) {
  const res = await call(`/api/v1/accounts/me/secrets/${key}`, { method: "PUT", headers: user.auth, json: { value } });
  expect(res.status).toBe(201);
}

async function webhookFlow(user: TestUser, params: string, extra = "") {
  return saveFlow(user, `metadata: {name: hook}\nnodes:\n  notify:\n    type: webhook\n    params: ${params}\n${extra}`);
}

async function listOf<T>(user: TestUser, id: string, what: "steps" | "logs"): Promise<T[]> {
  const res = await call(`/api/v1/executions/${id}/${what}`, { headers: user.auth });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as Record<string, T[]>)[what]!;
}

describe("webhook node", () => {
  it("delivers a signed JSON body that the standardwebhooks package verifies", async () => {
    const user = await signUp();
    await putSecret(user, "HOOK", SECRET);
    const key = unique();
    const flow = await webhookFlow(
      user,
      `{url: "${HTTP}/inspect/${key}", body: {order: "\${input.order}", items: [1, 2]}, secret: "\${secrets.HOOK}", event: order.created, metadata: {team: ops}, headers: {X-Extra: yes, webhook-id: forged}}`,
    );
    const run = await runFlow(user, flow, { order: 42 });
    expect(run.status).toBe("completed");
    const out = run.output as WebhookOutput;
    expect(out).toEqual({
      status_code: 200,
      webhook_id: expect.stringMatching(new RegExp(`^${run.id}:notify:\\d+$`)),
      attempts: 1,
      success: true,
      response: { received: true },
      metadata: { team: "ops" },
    });

    const [delivery, ...more] = await received(key);
    expect(more).toHaveLength(0);
    expect(delivery!.method).toBe("POST");
    expect(delivery!.headers["content-type"]).toBe("application/json");
    expect(delivery!.headers["x-flowrunner-event"]).toBe("order.created");
    expect(delivery!.headers["x-extra"]).toBe("yes");
    expect(delivery!.headers["webhook-id"]).toBe(out.webhook_id);
    expect(Math.abs(Number(delivery!.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    expect(new Webhook(SECRET).verify(delivery!.body, delivery!.headers)).toEqual({ order: 42, items: [1, 2] });
    expect(() => new Webhook("whsec_" + btoa("some other key")).verify(delivery!.body, delivery!.headers)).toThrow();
    // Without signature_header, no second signature is sent.
    expect(delivery!.headers["x-flowrunner-signature"]).toBeUndefined();
  });

  it("keeps the webhook-id across retries and re-signs each attempt", async () => {
    const user = await signUp();
    await putSecret(user, "HOOK", SECRET);
    const key = unique();
    const flow = await webhookFlow(
      user,
      `{url: "${HTTP}/flaky/${key}/2", body: {n: 1}, secret: "\${secrets.HOOK}"}`,
      "    retry: {max_retries: 3, wait: 10ms}",
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    const out = run.output as WebhookOutput;
    expect(out).toMatchObject({ status_code: 200, attempts: 3, success: true, response: { attempt: 3, ok: true } });
    const deliveries = await received(key);
    expect(deliveries).toHaveLength(3);
    expect(new Set(deliveries.map((d) => d.headers["webhook-id"]))).toEqual(new Set([out.webhook_id]));
    for (const delivery of deliveries) expect(new Webhook(SECRET).verify(delivery.body, delivery.headers)).toEqual({ n: 1 });
    const steps = await listOf<{ status: string; attempt: number; error: { code: string } | null }>(user, run.id, "steps");
    expect(steps.map((s) => [s.status, s.attempt, s.error?.code ?? null])).toEqual([
      ["retrying", 1, "webhook_failed"],
      ["retrying", 2, "webhook_failed"],
      ["completed", 3, null],
    ]);
  });

  it("finishes with server_error once no retry is left", async () => {
    const user = await signUp();
    const key = unique();
    const flow = await webhookFlow(
      user,
      `{url: "${HTTP}/flaky/${key}/5", body: {n: 1}}`,
      `    retry: {max_retries: 1, wait: 10ms}\n    next: {server_error: gave_up}\n  gave_up:\n    type: transform\n    params: {script: "return {failed: input.status_code, attempts: input.attempts}"}`,
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ failed: 503, attempts: 2 });
    expect(await received(key)).toHaveLength(2);
  });

  it("takes client_error on a 4xx without retrying", async () => {
    const user = await signUp();
    const key = unique();
    const flow = await webhookFlow(
      user,
      `{url: "${HTTP}/inspect/${key}/410", body: {n: 1}}`,
      `    retry: {max_retries: 3, wait: 10ms}\n    next: {client_error: refused}\n  refused:\n    type: transform\n    params: {script: "return {status: input.status_code, success: input.success}"}`,
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ status: 410, success: false });
    const [delivery, ...more] = await received(key);
    expect(more).toHaveLength(0);
    // Unsigned without a secret: id and timestamp only.
    expect(delivery!.headers["webhook-id"]).toMatch(new RegExp(`^${run.id}:notify:\\d+$`));
    expect(delivery!.headers["webhook-signature"]).toBeUndefined();
  });

  it("sends a new webhook-id each time a loop comes back to the node", async () => {
    const user = await signUp();
    const key = unique();
    const flow = await saveFlow(
      user,
      [
        "metadata: {name: hook loop}",
        "start: notify",
        "nodes:",
        `  notify: {type: webhook, params: {url: "${HTTP}/inspect/${key}", body: {n: 1}}, next: {success: again}}`,
        `  again: {type: condition, params: {condition_script: "shared.n = (shared.n ?? 0) + 1; return shared.n < 3 ? 'loop' : 'stop'"}, next: {loop: notify}}`,
        "",
      ].join("\n"),
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    const ids = (await received(key)).map((d) => d.headers["webhook-id"]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(new RegExp(`^${run.id}:notify:\\d+$`));
  });

  it("sends the original signature in signature_header and keeps the secret out of steps and logs", async () => {
    const user = await signUp();
    const secret = "plain-hook-secret-7c1e9f";
    await putSecret(user, "PLAIN", secret);
    const key = unique();
    const flow = await webhookFlow(
      user,
      `{url: "${HTTP}/inspect/${key}", body: {text: "\${secrets.PLAIN}"}, secret: "\${secrets.PLAIN}", signature_header: X-FlowRunner-Signature, metadata: {s: "\${secrets.PLAIN}"}}`,
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("completed");
    const [delivery] = await received(key);
    // The receiver gets the real value; the run's records never do.
    expect(JSON.parse(delivery!.body)).toEqual({ text: secret });
    const bytes = new TextEncoder().encode(secret);
    expect(new Webhook(bytes, { format: "raw" }).verify(delivery!.body, delivery!.headers)).toEqual({ text: secret });
    const hmacKey = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const expected = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(delivery!.body)));
    expect(delivery!.headers["x-flowrunner-signature"]).toBe(Array.from(expected, (b) => b.toString(16).padStart(2, "0")).join(""));

    const recorded = JSON.stringify({
      run,
      steps: await listOf(user, run.id, "steps"),
      logs: await listOf(user, run.id, "logs"),
    });
    expect(recorded).toContain("notify");
    expect(recorded).not.toContain(secret);
  });

  it("fails the node with invalid_secret, not retried, for a whsec_ secret that is not base64", async () => {
    const user = await signUp();
    await putSecret(user, "BAD", "whsec_not*base64!");
    const key = unique();
    const flow = await webhookFlow(
      user,
      `{url: "${HTTP}/inspect/${key}", secret: "\${secrets.BAD}"}`,
      "    retry: {max_retries: 2, wait: 10ms}",
    );
    const run = await runFlow(user, flow);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "invalid_secret", node_id: "notify" });
    expect(JSON.stringify(run)).not.toContain("not*base64");
    expect(await received(key)).toHaveLength(0);
  });
});

/** Webhook trigger test helpers: flows with a webhook, calls to their URL, and signatures made as senders make them. */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { BASE, call, type TestUser } from "./api";

export interface Hook {
  flowId: string;
  triggerId: string;
  /** `/hooks/trg_…` */
  path: string;
}

interface TriggerView {
  id: string;
  key: string;
  type: string;
  url?: string;
}

/** Saves (or, with `flowId`, updates) a flow and returns its webhook trigger (the one keyed `key`). */
export async function saveHookFlow(user: TestUser, content: string, options: { flowId?: string; key?: string } = {}): Promise<Hook> {
  const res = await call(options.flowId ? `/api/v1/flows/${options.flowId}` : "/api/v1/flows", {
    method: options.flowId ? "PUT" : "POST",
    headers: { ...user.auth, "Content-Type": "application/yaml" },
    body: content,
  });
  const text = await res.text();
  expect([200, 201], text).toContain(res.status);
  const flow = JSON.parse(text) as { id: string; triggers: TriggerView[] };
  const trigger = flow.triggers.find((t) => t.type === "webhook" && (options.key === undefined || t.key === options.key));
  expect(trigger, text).toBeDefined();
  const url = new URL(trigger!.url!);
  expect(url.origin).toBe(BASE);
  return { flowId: flow.id, triggerId: trigger!.id, path: url.pathname };
}

export async function putSecret(user: TestUser, key: string, value: string): Promise<void> {
  const res = await call(`/api/v1/accounts/me/secrets/${key}`, { method: "PUT", headers: user.auth, json: { value } });
  expect([200, 201]).toContain(res.status);
}

/** A call to a webhook URL as an outside sender makes it: no account credential. */
export function hook(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", "198.51.100.7");
  return SELF.fetch(`${BASE}${path}`, { method: "POST", ...init, headers });
}

export const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  hook(path, { body: JSON.stringify(body), headers: { "Content-Type": "application/json", ...headers } });

const encoder = new TextEncoder();

async function hmac(hash: "SHA-1" | "SHA-256" | "SHA-512", key: string, data: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

export const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
export const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

export const hmacHex = async (key: string, data: string, hash: "SHA-1" | "SHA-256" | "SHA-512" = "SHA-256") =>
  toHex(await hmac(hash, key, data));
export const hmacBase64 = async (key: string, data: string, hash: "SHA-1" | "SHA-256" | "SHA-512" = "SHA-256") =>
  toBase64(await hmac(hash, key, data));

/** GitHub's headers for a delivery of `body`. */
export async function githubHeaders(secret: string, body: string, delivery: string, event = "push"): Promise<Record<string, string>> {
  return {
    "Content-Type": "application/json",
    "X-GitHub-Event": event,
    "X-GitHub-Delivery": delivery,
    "X-Hub-Signature-256": `sha256=${await hmacHex(secret, body)}`,
  };
}

/** Stripe's Stripe-Signature for `body` signed at `seconds`. */
export async function stripeSignature(secret: string, body: string, seconds = Math.floor(Date.now() / 1000)): Promise<string> {
  return `t=${seconds},v1=${await hmacHex(secret, `${seconds}.${body}`)}`;
}

export interface ExecutionSummary {
  id: string;
  flow_id: string;
  status: string;
  trigger: string;
}

export async function executionsOf(user: TestUser, query: string): Promise<ExecutionSummary[]> {
  const res = await call(`/api/v1/executions?${query}`, { headers: user.auth });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { executions: ExecutionSummary[] }).executions;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

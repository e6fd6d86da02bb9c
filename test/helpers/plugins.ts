/** Plugins through the API, and the tickets HTTP plugin (examples/plugins/) of test/standins-setup.ts. */
import { expect, inject } from "vitest";
import type { PluginManifest } from "../../src/plugins/contract";
import type { PluginDetail } from "../../src/services/plugin-schemas";
import { call, uniqueName, type TestUser } from "./api";

export const TICKETS_BASE = `${inject("standins").plugins}/tickets`;

/** A tenant of the tickets server of its own (secrets and logs apart), and its endpoint URL. */
export function ticketsTenant(label = "t"): { tenant: string; url: (extra?: string) => string } {
  const tenant = uniqueName(label);
  return { tenant, url: (extra = "") => `${TICKETS_BASE}?tenant=${tenant}${extra}` };
}

/** Hands the tickets server the secret FlowRunner showed once, as its operator would. */
export async function giveSecret(tenant: string, secret: string): Promise<void> {
  const res = await fetch(`${TICKETS_BASE}/secret?tenant=${tenant}`, { method: "POST", body: JSON.stringify({ secret }) });
  expect(res.status).toBe(200);
}

export interface ReceivedCall {
  type: string;
  params: Record<string, unknown>;
  input: unknown;
  execution: { id: string; flow_id: string; node_id: string; attempt: number; idempotency_key: string };
  webhook_id: string;
}

export async function receivedBy(tenant: string): Promise<ReceivedCall[]> {
  return (await (await fetch(`${TICKETS_BASE}/received?tenant=${tenant}`)).json()) as ReceivedCall[];
}

export async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

export async function createPlugin(user: TestUser, body: unknown): Promise<PluginDetail & { secret?: string }> {
  return json(await call("/api/v1/plugins", { method: "POST", headers: user.auth, json: body }), 201);
}

/** Adds the tickets HTTP plugin (manifest fetched from the endpoint) and hands the server its secret. */
export async function addTickets(user: TestUser, extra = ""): Promise<{ tenant: string; plugin: PluginDetail; url: string }> {
  const { tenant, url } = ticketsTenant();
  const created = await createPlugin(user, { kind: "http", url: url(extra) });
  expect(created.secret).toMatch(/^whsec_/);
  await giveSecret(tenant, created.secret!);
  return { tenant, plugin: created, url: url(extra) };
}

export const jsManifest = (name: string, overrides: Partial<PluginManifest> = {}): PluginManifest => ({
  name,
  version: "0.1.0",
  description: "Posts to a chat webhook",
  nodes: {
    post: {
      description: "Posts a message",
      params: {
        type: "object",
        properties: { text: { type: "string", minLength: 1 }, channel: { type: "string" } },
        required: ["text"],
        additionalProperties: false,
      },
      actions: [],
      side_effects: true,
    },
  },
  ...overrides,
});

export const JS_SOURCE = "export async function post({ params }) { return { output: { sent: params.text } }; }\n";

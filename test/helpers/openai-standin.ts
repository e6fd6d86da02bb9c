/** The OpenAI-compatible stand-in of test/standins-setup.ts (scripts/standins/openai.mjs): scripts per API key, and what it received. */
import { expect, inject } from "vitest";

const url = inject("standins").openai;
/** Its base URL (…/v1), its origin (for `/_standin/...`), and the key that gets its default model (DEFAULT_API_KEY). */
export const OPENAI = { url, origin: new URL(url).origin, apiKey: "sk-standin" };

/** A reply of the stand-in's "model": text, or `{content?, tool_calls?: [{name, arguments, id?}], json?, usage?}`. */
export type Reply = string | Record<string, unknown>;

export interface Script {
  /** By turn (the number of assistant messages in the request); the last repeats. */
  replies?: Reply[];
  /** Answers for the first requests, in order, before any reply. */
  failures?: { status: number; retry_after?: number | string; retry_after_ms?: number; message?: string }[];
  delay_ms?: number;
  chunk_delay_ms?: number;
}

export interface StandinRequest {
  path: string;
  body: Record<string, unknown> & { messages?: Record<string, unknown>[]; stream?: boolean };
  headers: Record<string, string | null>;
  status: number;
  received_at: number;
  finished_at: number | null;
  chunks: { at: number; text: string }[];
}

/** Registers a script; requests made with the API key it answers get its replies. */
export async function scriptedKey(script: Script = {}): Promise<string> {
  const res = await fetch(`${OPENAI.origin}/_standin/scripts`, { method: "POST", body: JSON.stringify(script) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { api_key: string }).api_key;
}

/** What the stand-in received with that key, in order. */
export async function standinRequests(apiKey: string): Promise<StandinRequest[]> {
  const res = await fetch(`${OPENAI.origin}/_standin/scripts/${apiKey}/requests`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { requests: StandinRequest[] }).requests;
}

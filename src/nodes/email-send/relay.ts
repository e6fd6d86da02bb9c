/**
 * Sending through a relay's HTTP API: one POST through `ctx.http` (address policy, deadline, size
 * cap, the node's signal), the provider's answer read for its message id, and its error answer turned
 * into a NodeError that keeps the provider's own code and message: 429 and 5xx are retried by the
 * node's retry policy, other 4xx are not. Each provider's request shape is in relays.ts.
 */
import { NodeError } from "../../engine/outcome";
import type { OutgoingEmail } from "../../email/message";
import type { JsonObject } from "../../lib/json";
import { retryAfterMs } from "../../lib/retry-after";
import type { NodeContext } from "../types";
import type { EmailSendParams } from "./compose";

export interface RelayRequest {
  url: string;
  headers: Headers;
  body: string | Uint8Array;
}

export interface RelayAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, or undefined when it is not. */
  json: unknown;
}

export interface Relay {
  /** The API's URL when `base_url` is not given. */
  defaultUrl(params: EmailSendParams): string;
  build(email: OutgoingEmail, params: EmailSendParams, baseUrl: string): Promise<RelayRequest>;
  /** The id the provider gave the message, from a 2xx answer. */
  messageId(answer: RelayAnswer): string | null;
  /** The provider's error code and message, from its error answer. */
  error(answer: RelayAnswer): { code: string | number | null; message: string };
}

/** Characters of a provider's error message kept. */
const MAX_MESSAGE = 1000;

export async function sendThroughRelay(
  ctx: Pick<NodeContext, "http" | "signal">,
  provider: string,
  relay: Relay,
  email: OutgoingEmail,
  params: EmailSendParams,
): Promise<string | null> {
  const base = (params.base_url ?? relay.defaultUrl(params)).replace(/\/+$/, "");
  const request = await relay.build(email, params, base);
  const response = await ctx.http.request(request.url, {
    method: "POST",
    headers: request.headers,
    body: request.body,
    timeoutMs: params.timeout,
    signal: ctx.signal,
    maxBytes: 256 * 1024,
  });
  const text = response.text();
  let json: unknown;
  try {
    json = text.trim() === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  const answer: RelayAnswer = { status: response.status, headers: response.headers, text, json };
  if (response.status >= 200 && response.status < 300) return relay.messageId(answer);
  throw relayError(provider, answer, relay.error(answer));
}

/** A provider's error answer as a NodeError: the provider's code and message in details, retried for 429 and 5xx. */
export function relayError(
  provider: string,
  answer: Pick<RelayAnswer, "status" | "headers">,
  said: { code: string | number | null; message: string },
): NodeError {
  const { status } = answer;
  const message = said.message.slice(0, MAX_MESSAGE);
  const details: JsonObject = { provider, status, error: said.code, message };
  const wait = retryAfterMs(answer.headers);
  if (wait !== undefined) details.retry_after_ms = wait;
  const text = `${provider} answered ${status}${message ? `: ${message}` : ""}`;
  if (status === 429) return new NodeError("email_rate_limited", text, details, true);
  if (status >= 500 || status === 408) return new NodeError("email_unavailable", text, details, true);
  if (status === 401 || status === 403) return new NodeError("email_unauthorized", text, details, false);
  return new NodeError("email_rejected", text, details, false);
}

/** A field of a JSON object answer, as text. */
export function field(json: unknown, ...path: string[]): string | undefined {
  let value: unknown = json;
  for (const key of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
}

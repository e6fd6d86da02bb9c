/**
 * One attempt of a delivery: a POST of the JSON body, signed per Standard Webhooks, through the same
 * HTTP client nodes use (deadline, private-network policy), with redirects not followed: a receiver
 * must answer at its own URL. Only the first RESPONSE_EXCERPT_BYTES of the answer are read.
 */
import { NodeError } from "../engine/outcome";
import { createHttpClient } from "../nodes/capabilities/http";
import type { PrivateNetworkPolicy } from "../nodes/capabilities/network-policy";
import { signingKey, standardWebhookHeaders } from "../nodes/webhook/sign";
import type { DeliveryAttempt } from "./types";

/** How long a receiver has to answer, body included. */
export const DELIVERY_TIMEOUT_MS = 15_000;
/** The part of an answer kept in the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 1024;
export const USER_AGENT = "FlowRunner-Webhooks/1";

export interface DeliveryTarget {
  url: string;
  /** The subscription's `whsec_` secret. */
  secret: string;
}

export interface SenderOptions {
  fetch: typeof fetch;
  privateNetwork: PrivateNetworkPolicy;
  /** The clock for the signature's timestamp and the latency. */
  now: () => number;
  timeoutMs?: number;
}

export type Sender = (target: DeliveryTarget, message: { id: string; payload: string }) => Promise<DeliveryAttempt>;

/** A sender that never throws: every failure is an attempt with an error. */
export function createSender(options: SenderOptions): Sender {
  const http = createHttpClient({ fetch: excerptFetch(options.fetch), privateNetwork: options.privateNetwork });
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  return async (target, message) => {
    const started = options.now();
    const attempt = (fields: Omit<DeliveryAttempt, "at" | "latency_ms">): DeliveryAttempt => ({
      at: started,
      latency_ms: Math.max(0, options.now() - started),
      ...fields,
    });
    try {
      const signature = await standardWebhookHeaders(message.id, Math.floor(started / 1000), message.payload, signingKey(target.secret));
      const response = await http.request(target.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "User-Agent": USER_AGENT, ...signature },
        body: message.payload,
        timeoutMs,
        signal: new AbortController().signal,
        followRedirects: false,
      });
      const excerpt = redact(response.text(), target.secret);
      const ok = response.status >= 200 && response.status < 300;
      return attempt({
        status: response.status,
        error: ok ? null : { code: "http_status", message: `The receiver answered ${response.status}` },
        response: excerpt === "" ? null : excerpt,
      });
    } catch (error) {
      const known = error instanceof NodeError ? error : { code: "delivery_error", message: "The delivery could not be sent" };
      return attempt({ status: null, error: { code: known.code, message: redact(known.message, target.secret) }, response: null });
    }
  };
}

/** A receiver may echo what it got; a signing secret never reaches the log. */
function redact(text: string, secret: string): string {
  return text
    .split(secret)
    .join("[redacted]")
    .replace(/whsec_[A-Za-z0-9+/=]+/g, "whsec_[redacted]");
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Fetch whose answers carry only the first RESPONSE_EXCERPT_BYTES of their body, so a receiver that
 * answers 200 with a large page is still a delivery, and the rest is never read.
 */
function excerptFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const headers = new Headers(response.headers);
    headers.delete("Content-Length");
    const body = response.body && !NULL_BODY_STATUSES.has(response.status) ? firstBytes(response.body, RESPONSE_EXCERPT_BYTES) : null;
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  };
}

function firstBytes(source: ReadableStream<Uint8Array>, max: number): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      const chunk = value.byteLength > max - sent ? value.subarray(0, max - sent) : value;
      sent += chunk.byteLength;
      controller.enqueue(chunk);
      if (sent >= max) {
        controller.close();
        await reader.cancel().catch(() => undefined);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

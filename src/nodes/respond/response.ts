/**
 * The answer a `respond` node gives: its output, and so its step record, which is what the webhook
 * trigger reads to answer the caller (a repeated delivery gets the same answer from the same record).
 */
import { isRecord, type JsonValue } from "../../lib/json";

export type RespondOutput = {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: JsonValue;
};

/** RFC 9110 field name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers a flow may not set on its answer: hop-by-hop ones and framing (the runtime owns the
 * connection and the length), `Set-Cookie` (the URL is on the service's own origin, shared by every
 * account: a flow must not plant cookies there) and CORS headers (the trigger's `cors` decides them).
 */
const FORBIDDEN = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "content-encoding",
  "set-cookie",
  "set-cookie2",
]);

/** Why a header name cannot be set by a `respond` node, or undefined when it can. */
export function responseHeaderProblem(name: string): string | undefined {
  if (!TOKEN.test(name)) return "is not a valid header name";
  const lower = name.toLowerCase();
  if (FORBIDDEN.has(lower) || lower.startsWith("access-control-")) return "cannot be set by a respond node";
  return undefined;
}

/** A header value that cannot split the response: no CR, LF or NUL. */
export const isSafeHeaderValue = (value: string): boolean => !/[\r\n\0]/.test(value);

/** The answer recorded by a respond step, checked again before it is sent (a hook script may have changed it). */
export function readRespondOutput(value: JsonValue | null): RespondOutput | null {
  if (!isRecord(value)) return null;
  const { status, headers, body } = value;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) return null;
  const checked: Record<string, string> = {};
  if (headers !== undefined && headers !== null) {
    if (!isRecord(headers)) return null;
    for (const [name, raw] of Object.entries(headers)) {
      if (typeof raw !== "string" || responseHeaderProblem(name) !== undefined || !isSafeHeaderValue(raw)) return null;
      checked[name.toLowerCase()] = raw;
    }
  }
  return { status, headers: checked, body: body === undefined ? null : body };
}

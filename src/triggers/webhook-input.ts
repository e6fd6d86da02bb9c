/**
 * The input a webhook call gives its run: what the sender sent, minus the credentials that proved
 * who it is (a flow never sees them, and they never reach step records or logs).
 */
import type { WebhookTrigger } from "../flow/triggers";
import type { JsonValue } from "../lib/json";
import { paramsObject, type BodyEncoding } from "./webhook-body";
import { tokenLocations } from "./verify";

/** Headers that carry credentials of some kind, whatever the scheme; signature headers prove nothing reusable and stay. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization", "x-api-key"];

export interface WebhookCall {
  method: string;
  url: URL;
  headers: Headers;
  body: JsonValue;
  encoding: BodyEncoding;
  contentType: string | null;
  /** The body as text, when the trigger asks for it. */
  rawBody: string | null;
  deliveryId: string | null;
  receivedAt: string;
}

/** The header and query parameter names a trigger's verification reads a shared secret from. */
export function credentialNames(trigger: Pick<WebhookTrigger, "verify">): { headers: Set<string>; query: Set<string> } {
  const headers = new Set(CREDENTIAL_HEADERS);
  const query = new Set<string>();
  if (trigger.verify.scheme === "token") {
    const where = tokenLocations(trigger.verify);
    if (where.header !== null) headers.add(where.header.toLowerCase());
    if (where.query !== null) query.add(where.query);
  }
  return { headers, query };
}

export function webhookInput(trigger: Pick<WebhookTrigger, "verify">, call: WebhookCall): JsonValue {
  const hidden = credentialNames(trigger);
  const headers: Record<string, string> = {};
  for (const [name, value] of call.headers) if (!hidden.headers.has(name)) headers[name] = value;
  return {
    method: call.method,
    headers,
    query: paramsObject(call.url.searchParams, hidden.query),
    body: call.body,
    body_encoding: call.encoding,
    content_type: call.contentType,
    ...(call.rawBody === null ? {} : { raw_body: call.rawBody }),
    delivery_id: call.deliveryId,
    received_at: call.receivedAt,
  };
}

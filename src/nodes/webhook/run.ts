/** `webhook`: one signed delivery through `ctx.http`; the node's `retry:` policy repeats failed deliveries. */
import { NodeError } from "../../engine/outcome";
import type { ParamsOf } from "../../flow/node-types/spec";
import type { JsonValue } from "../../lib/json";
import { defineNode } from "../define";
import { actionFor, parseBody } from "../http-request/run";
import type { NodeContext } from "../types";
import { InvalidSecretError, legacySignature, signingKey, standardWebhookHeaders } from "./sign";
import { webhook } from "./spec";

type WebhookParams = ParamsOf<typeof webhook>;

export const webhookNode = defineNode({
  spec: webhook,
  run: async (ctx) => {
    const { params } = ctx;
    const url = checkedUrl(params.url);
    const id = webhookId(ctx);
    const body = params.body === undefined ? "" : JSON.stringify(params.body);
    const headers = await requestHeaders(params, id, Math.floor(ctx.now() / 1000), body);
    const withBody = body !== "" && params.method !== "GET" && params.method !== "HEAD";
    const response = await ctx.http.request(url, {
      method: params.method,
      headers,
      ...(withBody ? { body } : {}),
      timeoutMs: params.timeout,
      signal: ctx.signal,
      // A receiver that moved answers 3xx: the delivery did not happen, and re-sending a signed body elsewhere is not ours to decide.
      followRedirects: false,
    });
    const status = response.status;
    const output: JsonValue = {
      status_code: status,
      webhook_id: id,
      attempts: ctx.attempt,
      success: status >= 200 && status < 300,
      response: parseBody(response.text(), response.headers.get("Content-Type") ?? ""),
      metadata: params.metadata ?? {},
    };
    ctx.log("info", `webhook ${params.method} ${url} → ${status}`, { status_code: status, webhook_id: id, attempt: ctx.attempt });
    // A receiver that failed (5xx) may succeed later: while the retry policy has retries left, the
    // failure is an error it retries; after the last one the node finishes with `server_error`.
    if (status >= 500 && status < 600 && ctx.retriesLeft) {
      throw new NodeError("webhook_failed", `The receiver answered ${status}`, {
        status_code: status,
        webhook_id: id,
        attempts: ctx.attempt,
      });
    }
    return { kind: "done", action: actionFor(status), output };
  },
});

/**
 * The delivery's id, the same on every retry and after a crash-restart of the run (receivers
 * deduplicate on it), a new one on each visit of the node: the visit key, plus the item in a batch.
 */
export function webhookId(ctx: Pick<NodeContext, "visitKey" | "item">): string {
  return ctx.item === undefined ? ctx.visitKey : `${ctx.visitKey}:item-${ctx.item}`;
}

function checkedUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NodeError("invalid_url", `'${raw}' is not an absolute URL`, null, false);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NodeError("invalid_url", `Only http and https URLs can receive webhooks, not ${url.protocol}`, null, false);
  }
  return url.toString();
}

async function requestHeaders(params: WebhookParams, id: string, timestamp: number, body: string): Promise<Headers> {
  const headers = new Headers();
  for (const [key, value] of Object.entries(params.headers ?? {})) headers.set(key, String(value));
  if (body !== "" && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  if (params.event !== undefined) headers.set("X-FlowRunner-Event", params.event);
  let key: Uint8Array | undefined;
  if (params.secret !== undefined) {
    try {
      key = signingKey(params.secret);
    } catch (error) {
      if (error instanceof InvalidSecretError) throw new NodeError("invalid_secret", error.message, { param: "secret" }, false);
      throw error;
    }
    if (params.signature_header !== undefined) headers.set(params.signature_header, await legacySignature(params.secret, body));
  }
  // Set last: the signing headers are never replaced by `headers`.
  for (const [name, value] of Object.entries(await standardWebhookHeaders(id, timestamp, body, key))) headers.set(name, value);
  return headers;
}

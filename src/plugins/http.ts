/**
 * HTTP plugins: a node call is a POST of `{type, params, input, execution}` to the plugin's URL,
 * signed the Standard Webhooks way with the plugin's `whsec_` secret, through `ctx.http` (address
 * policy, deadline, byte cap). The endpoint answers `{output, action?}` or `{error: {code, message,
 * retryable?}}` (answer.ts). A 429 or 5xx, a timeout and a network failure are retryable; the
 * node's retry policy decides whether to try again.
 */
import { NodeError } from "../engine/outcome";
import type { HttpClient } from "../nodes/capabilities/http";
import { signingKey, standardWebhookHeaders } from "../nodes/webhook/sign";
import { protocolError, readAnswer } from "./answer";
import type { PluginCall, PluginManifest, PluginOutcome } from "./contract";

/** Deadline of one call, and the largest answer read. */
export const HTTP_PLUGIN_TIMEOUT_MS = 30_000;
export const HTTP_PLUGIN_MAX_ANSWER_BYTES = 1024 * 1024;

export interface HttpPluginTarget {
  url: string;
  /** The plugin's `whsec_` signing secret, opened from the vault for this call. */
  secret: string;
  manifest: PluginManifest;
}

/** The request body a node call sends; also what an endpoint verifies the signature over. */
export function httpPluginBody(manifest: PluginManifest, call: PluginCall): string {
  return JSON.stringify({ type: `${manifest.name}.${call.node}`, params: call.params, input: call.input, execution: call.execution });
}

const failure = (code: string, message: string, retryable: boolean): PluginOutcome => ({
  ok: false,
  error: { code, message, retryable },
  logs: [],
});

/** One call; never throws (a fault of the endpoint or the network is a failed outcome). */
export async function callHttpPlugin(
  target: HttpPluginTarget,
  call: PluginCall,
  http: HttpClient,
  signal: AbortSignal,
  nowMs: number,
): Promise<PluginOutcome> {
  const body = httpPluginBody(target.manifest, call);
  let response;
  try {
    // The idempotency key is stable across a crash-retry of the same attempt: receivers deduplicate on webhook-id.
    const signed = await standardWebhookHeaders(
      `msg_${call.execution.idempotency_key}`,
      Math.floor(nowMs / 1000),
      body,
      signingKey(target.secret),
    );
    response = await http.request(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "user-agent": "FlowRunner-Plugins/1", ...signed },
      body,
      timeoutMs: HTTP_PLUGIN_TIMEOUT_MS,
      signal,
      maxBytes: HTTP_PLUGIN_MAX_ANSWER_BYTES,
      followRedirects: false,
    });
  } catch (error) {
    if (error instanceof NodeError) return failure(`plugin_${error.code}`, `Calling the plugin failed: ${error.message}`, error.retryable);
    return failure("plugin_unavailable", `Calling the plugin failed: ${(error as Error).message}`, true);
  }
  const busy = response.status === 429 || response.status >= 500;
  let answer: unknown;
  try {
    answer = JSON.parse(response.text());
  } catch {
    answer = undefined;
  }
  if (busy) {
    const outcome = answer === undefined ? undefined : readAnswer(answer);
    const message = outcome && !outcome.ok ? outcome.error.message : `The plugin answered HTTP ${response.status}`;
    return { ok: false, error: { code: "plugin_unavailable", message, retryable: true }, logs: outcome?.logs ?? [] };
  }
  if (response.status < 200 || response.status >= 300) {
    if (answer !== undefined) {
      const outcome = readAnswer(answer);
      if (!outcome.ok) return outcome;
    }
    return failure("plugin_rejected", `The plugin answered HTTP ${response.status}`, false);
  }
  if (answer === undefined) return protocolError(`The plugin's answer (HTTP ${response.status}) is not JSON`);
  return readAnswer(answer);
}

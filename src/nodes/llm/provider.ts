/**
 * Which server a model call goes to, and what its failures become: a provider's error answer is a
 * NodeError whose details carry the provider's own error body (credentials removed).
 */
import { NodeError } from "../../engine/outcome";
import { Redactor } from "../../expressions";
import { isRecord, type JsonObject, type JsonValue } from "../../lib/json";
import { PROVIDER_URLS } from "./spec";

/** Characters of a provider's error body kept in the details. */
const MAX_ERROR_BODY = 4000;
const CHAT_PATH = "/chat/completions";

export interface Target {
  /** The provider's name as written (openai when absent): in messages and logs. */
  provider: string;
  /** The OpenAI-compatible API's URL, before /chat/completions. */
  baseUrl: string;
  /** `options` without the keys that choose the server: merged into the request body. */
  extra: JsonObject;
}

/**
 * Where the call goes: `base_url`, else the original's `options.base_url` / `options.endpoint` (a full
 * URL, or a path after base_url, ending in /chat/completions), else the provider's known URL.
 */
export function resolveTarget(connection: {
  provider?: string | undefined;
  base_url?: string | undefined;
  options?: JsonObject | undefined;
}): Target {
  const provider = connection.provider ?? "openai";
  const { base_url: optionBase, endpoint, ...extra } = connection.options ?? {};
  let baseUrl = connection.base_url ?? (typeof optionBase === "string" ? optionBase : undefined);
  if (typeof endpoint === "string") baseUrl = fromEndpoint(endpoint, baseUrl);
  baseUrl ??= PROVIDER_URLS[provider];
  if (baseUrl === undefined) {
    throw new NodeError(
      "invalid_params",
      `provider '${provider}' needs base_url: the URL of its OpenAI-compatible API`,
      { param: "base_url" },
      false,
    );
  }
  return { provider, baseUrl, extra };
}

function fromEndpoint(endpoint: string, base: string | undefined): string {
  let url: URL;
  try {
    url = base === undefined ? new URL(endpoint) : new URL(endpoint.replace(/^\//, ""), base.endsWith("/") ? base : `${base}/`);
  } catch {
    throw new NodeError("invalid_params", "options.endpoint is not a URL, nor a path after base_url", { param: "options" }, false);
  }
  const path = url.pathname.replace(/\/+$/, "");
  if (!path.endsWith(CHAT_PATH)) {
    throw new NodeError("invalid_params", `options.endpoint must end with ${CHAT_PATH}`, { param: "options" }, false);
  }
  url.pathname = path.slice(0, -CHAT_PATH.length);
  return url.href;
}

/** What a provider's HTTP error answer is, as a NodeError code and whether a later attempt may succeed. */
function classify(status: number): { code: string; retryable: boolean } {
  if (status === 429) return { code: "llm_rate_limited", retryable: true };
  if (status >= 500 || status === 408 || status === 409) return { code: "llm_unavailable", retryable: true };
  if (status === 401 || status === 403) return { code: "llm_unauthorized", retryable: false };
  return { code: "llm_rejected", retryable: false };
}

/**
 * A provider's error answer (after the client's own retries) as a NodeError: `details` has the status,
 * the provider's error body (OpenAI's `{message, type, param, code}`, or its text) and request id.
 * The API key is removed from all of it, whatever form the provider echoed it in.
 */
export function providerError(target: Target, apiKey: string, status: number, body: unknown, requestId: string | null): NodeError {
  const redactor = Redactor.fromSecrets([apiKey]);
  const error = errorBody(body);
  const said = isRecord(error) && typeof error.message === "string" ? error.message : typeof error === "string" ? error : "";
  const { code, retryable } = classify(status);
  const message = `${target.provider} answered ${status}${said ? `: ${said}` : ""}`;
  const details: JsonObject = { status, provider: target.provider, error, request_id: requestId };
  return new NodeError(code, redactor.string(message), redactor.value(details), retryable);
}

function errorBody(body: unknown): JsonValue {
  if (typeof body === "string") return body.slice(0, MAX_ERROR_BODY);
  if (body === undefined || body === null) return null;
  const text = JSON.stringify(body);
  return text.length > MAX_ERROR_BODY ? text.slice(0, MAX_ERROR_BODY) : (JSON.parse(text) as JsonValue);
}

/**
 * One `http.fetch` of a plugin, carried out by the node's HttpClient (address policy, redirects,
 * deadline, byte cap). This is the host side; api.ts reads the request out of QuickJS and builds the
 * answer object inside it.
 */
import { NodeError } from "../../engine/outcome";
import type { HttpClient } from "../../nodes/capabilities/http";

export interface PluginRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface PluginAnswer {
  status: number;
  statusText: string;
  url: string;
  redirected: boolean;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

/** A failed call, as the plugin sees it: an HttpError with this message, `code` and `retryable`. */
export interface PluginHttpError {
  code: string;
  message: string;
  retryable: boolean;
}

export async function pluginFetch(
  http: HttpClient,
  request: PluginRequest,
  options: { timeoutMs: number; maxBytes: number; signal: AbortSignal },
): Promise<{ ok: true; answer: PluginAnswer } | { ok: false; error: PluginHttpError }> {
  try {
    const response = await http.request(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes,
      signal: options.signal,
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const { status, statusText, url, redirected } = response;
    return { ok: true, answer: { status, statusText, url, redirected, headers, body: response.text() } };
  } catch (error) {
    if (error instanceof NodeError) return { ok: false, error: { code: error.code, message: error.message, retryable: error.retryable } };
    const message = error instanceof Error ? error.message : String(error);
    // The invocation reports a cancellation itself; anything else is a request fetch refused (a bad header name).
    if (options.signal.aborted) return { ok: false, error: { code: "aborted", message, retryable: false } };
    return { ok: false, error: { code: "invalid_request", message: `http.fetch: ${message}`, retryable: false } };
  }
}

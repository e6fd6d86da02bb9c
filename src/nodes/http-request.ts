import { parseDuration } from "../lib/duration";
import type { JsonValue } from "../lib/json";
import { NodeError, type NodeOutcome } from "../engine/outcome";
import type { NodeContext, NodeImplementation } from "./types";

const DEFAULT_TIMEOUT_MS = 30_000;
/** Responses larger than this fail the node rather than bloat the step record. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

type Params = Record<string, JsonValue>;

export const httpRequestNode: NodeImplementation = {
  type: "http.request",
  sideEffects: true,
  run: (ctx) => sendRequest(ctx, buildRequest(ctx.params)),
};

export interface PreparedRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
  timeoutMs: number;
  followRedirects: boolean;
}

export function buildRequest(params: Params): PreparedRequest {
  let url: URL;
  try {
    url = new URL(String(params.url));
  } catch {
    throw new NodeError("invalid_url", `'${String(params.url)}' is not an absolute URL`, null, false);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NodeError("invalid_url", `Only http and https URLs can be requested, not ${url.protocol}`, null, false);
  }
  for (const [key, value] of Object.entries(asRecord(params.query_params))) url.searchParams.append(key, scalar(value));
  const method = String(params.method ?? "GET").toUpperCase();
  const headers = new Headers();
  for (const [key, value] of Object.entries(asRecord(params.headers))) headers.set(key, scalar(value));
  applyAuth(params, headers);

  let body: string | undefined;
  if (params.form_data !== undefined) {
    body = new URLSearchParams(Object.entries(asRecord(params.form_data)).map(([k, v]) => [k, scalar(v)])).toString();
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/x-www-form-urlencoded");
  } else if (params.body !== undefined && params.body !== null) {
    if (typeof params.body === "string") {
      body = params.body;
      if (!headers.has("Content-Type"))
        headers.set("Content-Type", /^\s*[[{]/.test(body) ? "application/json" : "text/plain; charset=utf-8");
    } else {
      body = JSON.stringify(params.body);
      if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
    }
  }
  const timeout = params.timeout === undefined ? undefined : parseDuration(params.timeout as string | number);
  return {
    url: url.toString(),
    method,
    headers,
    body,
    timeoutMs: timeout ?? DEFAULT_TIMEOUT_MS,
    followRedirects: params.follow_redirects !== false,
  };
}

function applyAuth(params: Params, headers: Headers): void {
  const auth = asRecord(params.auth);
  const token = auth.token ?? params.bearer_token;
  const apiKey = auth.api_key ?? params.api_key;
  const username = auth.username ?? params.username;
  if (token !== undefined) headers.set("Authorization", `Bearer ${scalar(token)}`);
  else if (apiKey !== undefined) headers.set(scalar(auth.key_name ?? params.key_name ?? "X-API-Key"), scalar(apiKey));
  else if (username !== undefined) {
    const password = scalar(auth.password ?? params.password ?? "");
    headers.set("Authorization", `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${scalar(username)}:${password}`)))}`);
  }
}

export async function sendRequest(ctx: NodeContext, request: PreparedRequest): Promise<NodeOutcome> {
  // The timeout covers the whole exchange, body included: a server that sends its headers and then
  // stalls must not hold the step beyond `timeout`.
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
  const onAbort = () => timeout.abort();
  ctx.signal.addEventListener("abort", onAbort);
  const started = ctx.now();
  let response: Response;
  let raw: string;
  try {
    response = await ctx.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined || request.method === "GET" || request.method === "HEAD" ? {} : { body: request.body }),
      redirect: request.followRedirects ? "follow" : "manual",
      signal: timeout.signal,
    });
    raw = await readLimited(response, request, timeout.signal);
  } catch (error) {
    if (error instanceof NodeError) throw error;
    if (timeout.signal.aborted && !ctx.signal.aborted) {
      throw new NodeError("http_timeout", `${request.method} ${request.url} took longer than ${request.timeoutMs} ms`);
    }
    throw new NodeError(
      "network_error",
      `${request.method} ${request.url} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onAbort);
  }
  const timingMs = ctx.now() - started;
  const contentType = response.headers.get("Content-Type") ?? "";
  const headers: Record<string, JsonValue> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const status = response.status;
  const output: JsonValue = {
    status_code: status,
    headers,
    body: parseBody(raw, contentType),
    raw_body: raw,
    success: status >= 200 && status < 300,
    timing_ms: timingMs,
    metadata: {
      content_type: contentType,
      content_length: new TextEncoder().encode(raw).length,
      request_url: request.url,
      request_method: request.method,
      timing_ms: timingMs,
    },
  };
  ctx.log("info", `${request.method} ${request.url} → ${status}`, { status_code: status, timing_ms: timingMs });
  return { kind: "done", action: actionFor(status), output };
}

export function actionFor(status: number): string {
  if (status >= 200 && status < 300) return "success";
  if (status >= 400 && status < 500) return "client_error";
  if (status >= 500 && status < 600) return "server_error";
  return "default";
}

function parseBody(raw: string, contentType: string): JsonValue {
  if (/\bjson\b/i.test(contentType) && raw.trim() !== "") {
    try {
      return JSON.parse(raw) as JsonValue;
    } catch {
      return raw;
    }
  }
  return raw;
}

async function readLimited(response: Response, request: PreparedRequest, signal: AbortSignal): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  // Not every runtime errors a body stream when the fetch's signal aborts after the headers came.
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(signal.reason instanceof Error ? signal.reason : new Error("The request was aborted"));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
  aborted.catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      size += value.byteLength;
      if (size > MAX_RESPONSE_BYTES) {
        throw new NodeError(
          "response_too_large",
          `${request.method} ${request.url} answered more than ${MAX_RESPONSE_BYTES} bytes`,
          null,
          false,
        );
      }
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

const asRecord = (value: JsonValue | undefined): Record<string, JsonValue> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
const scalar = (value: JsonValue | undefined): string =>
  typeof value === "string"
    ? value
    : value === undefined || value === null
      ? ""
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);

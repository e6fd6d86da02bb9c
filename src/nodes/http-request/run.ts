/** `http.request`: one outbound HTTP call through `ctx.http`. */
import { NodeError, type NodeOutcome } from "../../engine/outcome";
import type { ParamsOf } from "../../flow/node-types/spec";
import type { JsonValue } from "../../lib/json";
import { defineNode } from "../define";
import type { NodeContext } from "../types";
import { httpRequest } from "./spec";

type HttpParams = ParamsOf<typeof httpRequest>;

export const httpRequestNode = defineNode({
  spec: httpRequest,
  run: (ctx) => sendRequest(ctx, buildRequest(ctx.params)),
});

export interface PreparedRequest {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
  timeoutMs: number;
  followRedirects: boolean;
}

export function buildRequest(params: HttpParams): PreparedRequest {
  let url: URL;
  try {
    url = new URL(params.url);
  } catch {
    throw new NodeError("invalid_url", `'${params.url}' is not an absolute URL`, null, false);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new NodeError("invalid_url", `Only http and https URLs can be requested, not ${url.protocol}`, null, false);
  }
  for (const [key, value] of Object.entries(params.query_params ?? {})) url.searchParams.append(key, String(value));
  const headers = new Headers();
  for (const [key, value] of Object.entries(params.headers ?? {})) headers.set(key, String(value));
  applyAuth(params, headers);

  let body: string | undefined;
  if (params.form_data !== undefined) {
    body = new URLSearchParams(Object.entries(params.form_data).map(([k, v]) => [k, String(v)])).toString();
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
  return { url: url.toString(), method: params.method, headers, body, timeoutMs: params.timeout, followRedirects: params.follow_redirects };
}

function applyAuth(params: HttpParams, headers: Headers): void {
  const { auth } = params;
  const token = auth && "token" in auth ? auth.token : params.bearer_token;
  const apiKey = auth && "api_key" in auth ? auth.api_key : params.api_key;
  const username = auth && "username" in auth ? auth.username : params.username;
  if (token !== undefined) headers.set("Authorization", `Bearer ${token}`);
  else if (apiKey !== undefined) headers.set((auth && "key_name" in auth ? auth.key_name : params.key_name) ?? "X-API-Key", apiKey);
  else if (username !== undefined) {
    const password = (auth && "password" in auth ? auth.password : params.password) ?? "";
    headers.set("Authorization", `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${username}:${password}`)))}`);
  }
}

export async function sendRequest(
  ctx: Pick<NodeContext, "http" | "signal" | "now" | "log">,
  request: PreparedRequest,
): Promise<NodeOutcome> {
  const started = ctx.now();
  const withBody = request.body !== undefined && request.method !== "GET" && request.method !== "HEAD";
  const response = await ctx.http.request(request.url, {
    method: request.method,
    headers: request.headers,
    ...(withBody ? { body: request.body } : {}),
    timeoutMs: request.timeoutMs,
    signal: ctx.signal,
    followRedirects: request.followRedirects,
  });
  const raw = response.text();
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
      content_length: response.bytes.byteLength,
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

export function parseBody(raw: string, contentType: string): JsonValue {
  if (/\bjson\b/i.test(contentType) && raw.trim() !== "") {
    try {
      return JSON.parse(raw) as JsonValue;
    } catch {
      return raw;
    }
  }
  return raw;
}

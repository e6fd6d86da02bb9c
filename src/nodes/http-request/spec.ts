/** `http.request`: one outbound HTTP call. */
import { z } from "zod";
import { durationParam, jsonValue, scalarMap, templatedObject } from "../../flow/primitives";
import { defineNodeType, exclusive } from "../../flow/node-types/spec";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
/** 2xx → success, 4xx → client_error, 5xx → server_error, anything else → default. */
export const HTTP_ACTIONS = ["success", "client_error", "server_error", "default", "error"] as const;

export const method = (fallback: (typeof HTTP_METHODS)[number]) =>
  z.enum(HTTP_METHODS).default(fallback).describe(`HTTP method, upper case (default ${fallback})`);

export const httpRequest = defineNodeType({
  type: "http.request",
  description:
    "Sends an HTTP request. Output: {status_code, headers, body, raw_body, success, timing_ms, metadata}; body is parsed JSON when the response is JSON.",
  actions: HTTP_ACTIONS,
  params: {
    url: z.string().describe("Request URL"),
    method: method("GET"),
    headers: scalarMap.optional().describe("Request headers; values are sent as text"),
    query_params: scalarMap.optional().describe("Added to the URL's query string"),
    body: jsonValue.optional().describe("Request body: a mapping or list is sent as JSON, a string as is"),
    form_data: scalarMap.optional().describe("Sent as application/x-www-form-urlencoded (instead of body)"),
    timeout: durationParam({ positive: true }).prefault("30s").describe("Request timeout (default 30s)"),
    auth: z
      .union([
        templatedObject({ username: z.string(), password: z.string() }),
        templatedObject({ token: z.string() }),
        templatedObject({ api_key: z.string(), key_name: z.string().optional() }),
      ])
      .optional()
      .describe("{username, password} (Basic), {token} (Bearer) or {api_key, key_name} (header, default X-API-Key)"),
    bearer_token: z.string().optional().describe("Shortcut for auth: {token}"),
    api_key: z.string().optional().describe("Shortcut for auth: {api_key}"),
    key_name: z.string().optional().describe("Header for api_key (default X-API-Key)"),
    username: z.string().optional().describe("Shortcut for auth: {username, password}"),
    password: z.string().optional().describe("Shortcut for auth: {username, password}"),
    follow_redirects: z.boolean().default(true).describe("Follow 3xx redirects (default true)"),
  },
  crossCheck: (params) => exclusive(params, "body", "form_data"),
});

/** Outbound HTTP: `http.request` and the signed `webhook` delivery. */
import { z } from "zod";
import { durationSchema, freeMap, scalarMap, templatedObject } from "../primitives";
import { defineNodeType, exclusive } from "./spec";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
/** 2xx → success, 4xx → client_error, 5xx → server_error, anything else → default. */
const HTTP_ACTIONS = ["success", "client_error", "server_error", "default", "error"] as const;

const method = (fallback: string) => z.enum(HTTP_METHODS).optional().describe(`HTTP method, upper case (default ${fallback})`);

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
    body: z.unknown().optional().describe("Request body: a mapping or list is sent as JSON, a string as is"),
    form_data: scalarMap.optional().describe("Sent as application/x-www-form-urlencoded (instead of body)"),
    timeout: durationSchema({ positive: true }).optional().describe("Request timeout (default 30s)"),
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
    follow_redirects: z.boolean().optional().describe("Follow 3xx redirects (default true)"),
  },
  crossCheck: (params) => exclusive(params, "body", "form_data"),
});

export const webhook = defineNodeType({
  type: "webhook",
  description: "Delivers a webhook: sends body (JSON) to url, signed with HMAC-SHA256 when secret is set. Output as http.request.",
  actions: HTTP_ACTIONS,
  params: {
    url: z.string().describe("Receiver URL"),
    method: method("POST"),
    headers: scalarMap.optional().describe("Extra request headers"),
    body: z.unknown().optional().describe("Payload, sent as JSON"),
    secret: z.string().optional().describe("HMAC-SHA256 signing key; the hex signature goes in signature_header"),
    signature_header: z.string().optional().describe("Header carrying the signature (default X-FlowRunner-Signature)"),
    event: z.string().optional().describe("Event name, sent in the X-FlowRunner-Event header"),
    metadata: freeMap.optional().describe("Free-form values recorded with the delivery"),
    timeout: durationSchema({ positive: true }).optional().describe("Request timeout (default 30s)"),
  },
});

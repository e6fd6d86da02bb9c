/** `webhook`: a signed outbound webhook delivery. */
import { z } from "zod";
import { durationParam, freeMap, jsonValue, scalarMap } from "../../flow/primitives";
import { defineNodeType } from "../../flow/node-types/spec";
import { HTTP_ACTIONS, method } from "../http-request/spec";

export const webhook = defineNodeType({
  type: "webhook",
  notRunnable: "signed webhook delivery is not available on this server yet; http.request sends unsigned requests",
  description: "Delivers a webhook: sends body (JSON) to url, signed with HMAC-SHA256 when secret is set. Output as http.request.",
  actions: HTTP_ACTIONS,
  params: {
    url: z.string().describe("Receiver URL"),
    method: method("POST"),
    headers: scalarMap.optional().describe("Extra request headers"),
    body: jsonValue.optional().describe("Payload, sent as JSON"),
    secret: z.string().optional().describe("HMAC-SHA256 signing key; the hex signature goes in signature_header"),
    signature_header: z.string().optional().describe("Header carrying the signature (default X-FlowRunner-Signature)"),
    event: z.string().optional().describe("Event name, sent in the X-FlowRunner-Event header"),
    metadata: freeMap.optional().describe("Free-form values recorded with the delivery"),
    timeout: durationParam({ positive: true }).optional().describe("Request timeout (default 30s)"),
  },
});

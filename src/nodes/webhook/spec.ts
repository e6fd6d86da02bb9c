/** `webhook`: a signed outbound webhook delivery. */
import { z } from "zod";
import { durationParam, freeMap, jsonValue, scalarMap } from "../../flow/primitives";
import { defineNodeType } from "../../flow/node-types/spec";
import { HTTP_ACTIONS, method } from "../http-request/spec";

export const webhook = defineNodeType({
  type: "webhook",
  description:
    "Delivers a webhook: sends body (JSON) to url with the Standard Webhooks headers (webhook-id, webhook-timestamp, and webhook-signature when secret is set). Output: {status_code, webhook_id, attempts, success, response, metadata}.",
  actions: HTTP_ACTIONS,
  params: {
    url: z.string().describe("Receiver URL"),
    method: method("POST"),
    headers: scalarMap.optional().describe("Extra request headers"),
    body: jsonValue.optional().describe("Payload, sent as JSON"),
    secret: z
      .string()
      .optional()
      .describe(
        'Signing secret, usually "${secrets.X}": whsec_<base64> as Standard Webhooks defines it, any other text is used as its UTF-8 bytes',
      ),
    signature_header: z
      .string()
      .optional()
      .describe("Also send the hex HMAC-SHA256 of the body (keyed by the secret's text) in this header, e.g. X-FlowRunner-Signature"),
    event: z.string().optional().describe("Event name, sent in the X-FlowRunner-Event header"),
    metadata: freeMap.optional().describe("Free-form values recorded with the delivery"),
    timeout: durationParam({ positive: true }).prefault("30s").describe("Request timeout (default 30s)"),
  },
});

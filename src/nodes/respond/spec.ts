/** `respond`: the answer to the webhook call that started the run. */
import { z } from "zod";
import { jsonValue } from "../../flow/primitives";
import { defineNodeType } from "../../flow/node-types/spec";
import { isSafeHeaderValue, responseHeaderProblem } from "./response";

const headerValue = z
  .union([z.string(), z.number(), z.boolean()])
  .refine((value) => typeof value !== "string" || isSafeHeaderValue(value), { error: "header values cannot hold CR, LF or NUL" });

export const respond = defineNodeType({
  type: "respond",
  description:
    "Answers the webhook call that started the run (trigger with response: respond_node) as soon as it runs, while the run goes on. Output: {status, headers, body}, the answer sent.",
  actions: ["default"],
  params: {
    status: z.number().int().min(200).max(599).default(200).describe("HTTP status of the answer, 200-599 (default 200)"),
    headers: z
      .record(z.string(), headerValue)
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          const problem = responseHeaderProblem(name);
          if (problem) ctx.addIssue({ code: "custom", path: [name], message: `'${name}' ${problem}` });
        }
      })
      .optional()
      .describe("Answer headers (not hop-by-hop ones, Content-Length, Content-Encoding, Set-Cookie or Access-Control-*)"),
    body: jsonValue
      .optional()
      .describe(
        "The answer: a string is sent as text/plain unless headers set Content-Type, anything else as JSON (default: the node's input)",
      ),
  },
});

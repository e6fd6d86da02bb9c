/**
 * Cloudflare Email Service through the `send_email` binding (ctx.email): the message model in the
 * binding's structured form. The service sets Message-ID itself and refuses it as a custom header
 * (https://developers.cloudflare.com/email-service/reference/headers/), so the derived id travels as
 * X-FlowRunner-Message-ID; its own id is the provider's message id.
 */
import { NodeError } from "../../engine/outcome";
import type { Mailbox } from "../../email/address";
import type { OutgoingEmail } from "../../email/message";
import { base64Encode } from "../../lib/encoding";
import type { EmailAddress, EmailBindingMessage } from "../capabilities/email";
import type { NodeContext } from "../types";

export function bindingMessage(email: OutgoingEmail): EmailBindingMessage {
  if (email.replyTo.length > 1) {
    throw new NodeError("invalid_params", "provider cloudflare takes one reply_to address", { param: "reply_to" }, false);
  }
  const address = (m: Mailbox): string | EmailAddress => (m.name === undefined ? m.address : { email: m.address, name: m.name });
  return {
    from: address(email.from),
    to: email.to.map(address),
    ...(email.cc.length > 0 ? { cc: email.cc.map(address) } : {}),
    ...(email.bcc.length > 0 ? { bcc: email.bcc.map(address) } : {}),
    ...(email.replyTo[0] ? { replyTo: address(email.replyTo[0]) } : {}),
    subject: email.subject,
    ...(email.text === undefined ? {} : { text: email.text }),
    ...(email.html === undefined ? {} : { html: email.html }),
    ...(email.attachments.length > 0
      ? {
          attachments: email.attachments.map((a) => ({
            content: base64Encode(a.content),
            filename: a.filename,
            type: a.contentType,
            disposition: "attachment" as const,
          })),
        }
      : {}),
    headers: Object.fromEntries([["X-FlowRunner-Message-ID", email.messageId], ...email.headers]),
  };
}

/**
 * Sends through the binding. Its failures carry a code (E_SENDER_NOT_VERIFIED, E_HEADER_NOT_ALLOWED,
 * E_RATE_LIMIT_EXCEEDED...) that is kept; only rate limits and internal errors are retried.
 */
export async function sendThroughBinding(ctx: Pick<NodeContext, "email">, email: OutgoingEmail): Promise<string> {
  try {
    return (await ctx.email.send(bindingMessage(email))).messageId;
  } catch (error) {
    if (error instanceof NodeError) throw error;
    const code = typeof (error as { code?: unknown }).code === "string" ? (error as { code: string }).code : null;
    const message = error instanceof Error ? error.message : String(error);
    const retryable = code !== null && /RATE_LIMIT|INTERNAL|UNAVAILABLE/i.test(code);
    return Promise.reject(
      new NodeError(
        retryable ? "email_unavailable" : "email_rejected",
        `cloudflare refused the message: ${message}`,
        { provider: "cloudflare", error: code, message },
        retryable,
      ),
    );
  }
}

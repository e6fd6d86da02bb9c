/**
 * `email.send`: the params as one message (compose.ts), sent by the chosen provider: SMTP over
 * `ctx.connect` (smtp.ts), a relay's HTTP API over `ctx.http` (relay.ts, relays.ts) or Cloudflare's
 * binding (cloudflare.ts). Credentials are removed from whatever leaves the node, even when they were
 * written into the flow rather than read from secrets (the lifecycle redacts secrets on top).
 */
import { displayMailbox } from "../../email/address";
import { envelopeRecipients, type OutgoingEmail } from "../../email/message";
import { buildMime } from "../../email/mime";
import { NodeError } from "../../engine/outcome";
import { Redactor } from "../../expressions";
import { redactError } from "../lifecycle/redact";
import { done, defineNode } from "../define";
import type { NodeContext } from "../types";
import { sendThroughBinding } from "./cloudflare";
import { composeEmail, type EmailSendParams } from "./compose";
import { sendThroughRelay } from "./relay";
import { RELAYS } from "./relays";
import { sendSmtp, type SmtpSecurity } from "./smtp";
import { emailSend, type EmailProvider } from "./spec";

export const emailSendNode = defineNode({
  spec: emailSend,
  run: async (ctx) => {
    const params = ctx.params;
    const provider: EmailProvider = params.provider ?? "smtp";
    const redactor = Redactor.fromSecrets([params.password, params.api_key, params.secret_key].filter((s): s is string => !!s));
    try {
      const email = await composeEmail(params, ctx);
      const providerMessageId = await send(ctx, provider, email);
      const output = {
        status: "sent",
        provider,
        message_id: email.messageId,
        provider_message_id: providerMessageId,
        from: displayMailbox(email.from),
        to: email.to.map(displayMailbox),
        cc: email.cc.map(displayMailbox),
        bcc: email.bcc.map(displayMailbox),
        subject: email.subject,
      };
      ctx.log("info", `Sent '${email.subject}' to ${envelopeRecipients(email).length} recipient(s) through ${provider}`, {
        message_id: email.messageId,
        provider_message_id: providerMessageId,
      });
      return done(redactor.value(output));
    } catch (error) {
      if (!(error instanceof NodeError)) throw error;
      throw redactError(error, redactor);
    }
  },
});

async function send(ctx: NodeContext<EmailSendParams>, provider: EmailProvider, email: OutgoingEmail): Promise<string | null> {
  const params = ctx.params;
  if (provider === "smtp") return sendBySmtp(ctx, email);
  if (provider === "cloudflare") return sendThroughBinding(ctx, email);
  const relay = RELAYS[provider];
  if (!relay) throw new NodeError("invalid_params", `Unknown provider '${provider}'`, { param: "provider" }, false);
  return sendThroughRelay(ctx, provider, relay, email, params);
}

async function sendBySmtp(ctx: NodeContext<EmailSendParams>, email: OutgoingEmail): Promise<string> {
  const params = ctx.params;
  const port = params.smtp_port ?? (params.smtp_security === "tls" ? 465 : 587);
  const security: SmtpSecurity = params.smtp_security ?? (port === 465 ? "tls" : "starttls");
  const result = await sendSmtp(
    ctx.connect,
    ctx.signal,
    {
      host: params.smtp_host ?? "",
      port,
      security,
      username: params.username,
      password: params.password,
      auth: params.smtp_auth,
      clientName: email.messageId.slice(email.messageId.indexOf("@") + 1, -1),
      timeoutMs: params.timeout,
    },
    { from: email.from.address, to: envelopeRecipients(email) },
    buildMime(email),
  );
  return result.response;
}

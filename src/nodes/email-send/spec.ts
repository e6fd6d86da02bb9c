/** `email.send`: mail out through SMTP, a relay's HTTP API, or Cloudflare's `send_email` binding. */
import { z } from "zod";
import { durationParam, isTemplate, port, scalarMap, stringOrList } from "../../flow/primitives";
import { defineNodeType, requiredBySelector, type ParamProblem } from "../../flow/node-types/spec";

export const EMAIL_PROVIDERS = ["smtp", "resend", "sendgrid", "mailgun", "postmark", "ses", "cloudflare"] as const;
export type EmailProvider = (typeof EMAIL_PROVIDERS)[number];
/** Providers reached over HTTP, whose URL `base_url` replaces. */
export const RELAY_PROVIDERS: readonly EmailProvider[] = ["resend", "sendgrid", "mailgun", "postmark", "ses"];

const attachment = z.strictObject({
  filename: z.string().min(1).max(255),
  content_type: z.string().optional().describe("MIME type (default: from the file name's extension)"),
  content: z.string().describe("The file's content: base64 (default), or text with encoding: text"),
  encoding: z.enum(["base64", "text"]).default("base64").describe("How content is given: base64 (default) or text (sent as UTF-8)"),
});

export const emailSend = defineNodeType({
  type: "email.send",
  description:
    "Sends an email through SMTP (smtp_host, username, password), a relay API (provider + api_key; ses: region, access_key, secret_key) or Cloudflare's send_email binding (provider: cloudflare). Output: {status: 'sent', provider, message_id, provider_message_id, from, to, cc, bcc, subject}.",
  actions: ["default"],
  params: {
    provider: z
      .enum(EMAIL_PROVIDERS)
      .optional()
      .describe("smtp (default), resend, sendgrid, mailgun, postmark, ses or cloudflare (the Worker's send_email binding EMAIL)"),
    smtp_host: z.string().optional().describe("smtp: server host"),
    smtp_port: port
      .or(
        z
          .string()
          .regex(/^\d{1,5}$/)
          .transform(Number)
          .pipe(port),
      )
      .optional()
      .describe("smtp: server port, a number or its digits (a secret is text) (default 587 with STARTTLS; 465 means TLS)"),
    smtp_security: z
      .enum(["starttls", "tls", "none"])
      .optional()
      .describe("smtp: starttls (required, never skipped), tls (from the first byte) or none; default tls on port 465, else starttls"),
    smtp_auth: z.enum(["plain", "login"]).optional().describe("smtp: AUTH mechanism (default PLAIN when offered, else LOGIN)"),
    username: z.string().optional().describe("smtp: login"),
    password: z.string().optional().describe("smtp: password"),
    api_key: z.string().optional().describe("resend, sendgrid, mailgun, postmark: API key (Postmark: the server token)"),
    domain: z.string().optional().describe("mailgun: sending domain"),
    region: z.string().optional().describe("ses: AWS region"),
    access_key: z.string().optional().describe("ses: AWS access key id"),
    secret_key: z.string().optional().describe("ses: AWS secret access key"),
    base_url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("Relay providers: the API's URL instead of the provider's own (Mailgun's EU region, a proxy, a local stand-in)"),
    from: z.string().optional().describe("Sender, 'Name <address>' or an address (default: username)"),
    reply_to: stringOrList.optional().describe("Reply-To address(es)"),
    to: stringOrList.describe("Recipient(s): a list, or addresses separated by commas"),
    cc: stringOrList.optional().describe("Cc recipient(s)"),
    bcc: stringOrList.optional().describe("Bcc recipient(s): envelope only, never in the message"),
    subject: z.string().describe("Subject line (any Unicode)"),
    body: z.string().optional().describe("Plain-text body"),
    html: z.string().optional().describe("HTML body (sent with body as multipart/alternative when both are given)"),
    attachments: z.array(attachment).max(20).optional().describe("[{filename, content, content_type?, encoding?: base64|text}]"),
    headers: scalarMap.optional().describe("Extra message headers (not From, To, Cc, Bcc, Subject, Reply-To, Date, Message-ID, Content-*)"),
    timeout: durationParam({ positive: true }).prefault("30s").describe("The whole send (default 30s)"),
  },
  crossCheck: (params) => {
    const problems: ParamProblem[] = requiredBySelector(params, "provider", "smtp", {
      smtp: ["smtp_host"],
      resend: ["api_key", "from"],
      sendgrid: ["api_key", "from"],
      postmark: ["api_key", "from"],
      mailgun: ["api_key", "domain", "from"],
      ses: ["region", "access_key", "secret_key", "from"],
      cloudflare: ["from"],
    });
    if (params.body === undefined && params.html === undefined) {
      problems.push({ path: ["body"], message: "email.send needs body, html or both", missing: true });
    }
    const provider = params.provider ?? "smtp";
    if (typeof provider !== "string" || isTemplate(provider)) return problems;
    if (provider === "smtp") {
      if ((params.username === undefined) !== (params.password === undefined)) {
        problems.push({
          path: [params.username === undefined ? "username" : "password"],
          message: "username and password go together",
          missing: true,
        });
      }
      if (params.username === undefined && params.from === undefined) {
        problems.push({ path: ["from"], message: "smtp without username needs from", missing: true });
      }
      if (params.smtp_security === "none" && params.username !== undefined) {
        problems.push({
          path: ["smtp_security"],
          message: "credentials are only sent over TLS: use smtp_security starttls or tls, or leave out username and password",
        });
      }
    }
    if (params.base_url !== undefined && !RELAY_PROVIDERS.includes(provider as EmailProvider)) {
      problems.push({
        path: ["base_url"],
        message: `base_url is for the relay providers (${RELAY_PROVIDERS.join(", ")}), not ${provider}`,
      });
    }
    return problems;
  },
});

/** `email.send`: mail out through SMTP or a relay's HTTP API. */
import { z } from "zod";
import { port, scalarMap, stringOrList } from "../../flow/primitives";
import { defineNodeType, requiredBySelector } from "../../flow/node-types/spec";

export const EMAIL_PROVIDERS = ["smtp", "resend", "sendgrid", "mailgun", "postmark", "ses"] as const;

const attachment = z.strictObject({
  filename: z.string().min(1),
  content_type: z.string().optional(),
  content: z.string().describe("Base64, or text"),
});

export const emailSend = defineNodeType({
  type: "email.send",
  notRunnable: "sending email is not available on this server yet; a relay's HTTP API works through http.request",
  description:
    "Sends an email through SMTP (smtp_host, username, password) or a relay API (provider + api_key). Output: {status: 'sent', from, to, cc, bcc, subject}.",
  actions: ["default"],
  params: {
    provider: z.enum(EMAIL_PROVIDERS).optional().describe("smtp (default), resend, sendgrid, mailgun, postmark or ses"),
    smtp_host: z.string().optional().describe("smtp: server host"),
    smtp_port: port.optional().describe("smtp: server port (default 587, STARTTLS)"),
    username: z.string().optional().describe("smtp: login"),
    password: z.string().optional().describe("smtp: password"),
    api_key: z.string().optional().describe("resend, sendgrid, mailgun, postmark: API key"),
    domain: z.string().optional().describe("mailgun: sending domain"),
    region: z.string().optional().describe("ses: AWS region"),
    access_key: z.string().optional().describe("ses: AWS access key id"),
    secret_key: z.string().optional().describe("ses: AWS secret access key"),
    from: z.string().optional().describe("Sender (default: username)"),
    reply_to: z.string().optional().describe("Reply-To address"),
    to: stringOrList.describe("Recipient(s)"),
    cc: stringOrList.optional().describe("Cc recipient(s)"),
    bcc: stringOrList.optional().describe("Bcc recipient(s)"),
    subject: z.string().describe("Subject line"),
    body: z.string().optional().describe("Plain-text body"),
    html: z.string().optional().describe("HTML body"),
    attachments: z.array(attachment).optional().describe("[{filename, content_type, content}]"),
    headers: scalarMap.optional().describe("Extra message headers"),
  },
  crossCheck: (params) => {
    const problems = requiredBySelector(params, "provider", "smtp", {
      smtp: ["smtp_host", "username", "password"],
      resend: ["api_key", "from"],
      sendgrid: ["api_key", "from"],
      postmark: ["api_key", "from"],
      mailgun: ["api_key", "domain", "from"],
      ses: ["region", "access_key", "secret_key", "from"],
    });
    return problems;
  },
});

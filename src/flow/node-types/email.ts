/** Mail out (SMTP or a relay's HTTP API) and mail in (IMAP). */
import { z } from "zod";
import { port, scalarMap, stringOrList, timestampSchema } from "../primitives";
import { defineNodeType, requiredBySelector } from "./spec";

export const EMAIL_PROVIDERS = ["smtp", "resend", "sendgrid", "mailgun", "postmark", "ses"] as const;

const attachment = z.strictObject({
  filename: z.string().min(1),
  content_type: z.string().optional(),
  content: z.string().describe("Base64, or text"),
});

export const emailSend = defineNodeType({
  type: "email.send",
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

export const emailReceive = defineNodeType({
  type: "email.receive",
  description: "Reads messages from an IMAP mailbox. Output: [{subject, from, to, cc, date, body, html, headers, messageId, metadata}].",
  actions: ["default"],
  params: {
    imap_host: z.string().describe("IMAP server host"),
    imap_port: port.optional().describe("IMAP port (default 993, TLS)"),
    username: z.string().describe("Login"),
    password: z.string().describe("Password"),
    folder: z.string().optional().describe("Mailbox (default INBOX)"),
    since: timestampSchema.optional().describe("Only messages after this RFC 3339 time"),
    before: timestampSchema.optional().describe("Only messages before this RFC 3339 time"),
    from: z.string().optional().describe("Filter on sender"),
    to: z.string().optional().describe("Filter on recipient"),
    subject: z.string().optional().describe("Filter on subject"),
    unseen: z.boolean().optional().describe("Only unread messages"),
    limit: z.number().int().min(1).optional().describe("At most this many messages"),
    mark_as_read: z.boolean().optional().describe("Mark fetched messages as read"),
    with_body: z.boolean().optional().describe("Fetch bodies (default true)"),
    body_preview: z
      .union([z.boolean(), z.number().int().min(0)])
      .optional()
      .describe("Include a preview of the body (true, or a length in characters)"),
  },
});

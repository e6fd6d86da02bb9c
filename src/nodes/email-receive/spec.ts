/** `email.receive`: reads messages from an IMAP mailbox. */
import { z } from "zod";
import { port, timestampParam } from "../../flow/primitives";
import { defineNodeType } from "../../flow/node-types/spec";

export const emailReceive = defineNodeType({
  type: "email.receive",
  notRunnable: "reading mailboxes is not available on this server yet",
  description: "Reads messages from an IMAP mailbox. Output: [{subject, from, to, cc, date, body, html, headers, messageId, metadata}].",
  actions: ["default"],
  params: {
    imap_host: z.string().describe("IMAP server host"),
    imap_port: port.optional().describe("IMAP port (default 993, TLS)"),
    username: z.string().describe("Login"),
    password: z.string().describe("Password"),
    folder: z.string().optional().describe("Mailbox (default INBOX)"),
    since: timestampParam.optional().describe("Only messages after this RFC 3339 time"),
    before: timestampParam.optional().describe("Only messages before this RFC 3339 time"),
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

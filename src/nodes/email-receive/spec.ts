/** `email.receive`: reads messages from an IMAP mailbox. */
import { z } from "zod";
import { durationParam, portOrDigits, timestampParam } from "../../flow/primitives";
import { defineNodeType } from "../../flow/node-types/spec";

export const emailReceive = defineNodeType({
  type: "email.receive",
  description:
    "Reads messages from an IMAP mailbox (TLS on 993, STARTTLS on 143), oldest first. Output: [{subject, from, to, cc, reply_to, date, body, html, body_preview, headers, messageId, attachments, metadata: {uid, uidvalidity, folder, flags, sequence, size, internal_date}}].",
  actions: ["default"],
  params: {
    imap_host: z.string().describe("IMAP server host"),
    imap_port: portOrDigits.optional().describe("IMAP port, a number or its digits (default 993, TLS; 143 means STARTTLS)"),
    imap_security: z
      .enum(["tls", "starttls"])
      .optional()
      .describe("tls (from the first byte) or starttls (required, never skipped); default tls on port 993, else starttls"),
    username: z.string().describe("Login"),
    password: z.string().describe("Password"),
    folder: z.string().optional().describe("Mailbox (default INBOX)"),
    since: timestampParam.optional().describe("Only messages received on or after this day (RFC 3339; IMAP compares whole days, UTC)"),
    before: timestampParam.optional().describe("Only messages received before this day (RFC 3339; IMAP compares whole days, UTC)"),
    from: z.string().optional().describe("Filter on sender (substring, as the server matches it)"),
    to: z.string().optional().describe("Filter on recipient (substring)"),
    subject: z.string().optional().describe("Filter on subject (substring, any Unicode)"),
    unseen: z.boolean().optional().describe("Only unread messages"),
    after_uid: z.number().int().min(0).optional().describe("Only messages with a larger UID (the last run's last metadata.uid)"),
    uid_validity: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "The metadata.uidvalidity after_uid came from; when the folder's differs, its UIDs were renumbered and after_uid is ignored",
      ),
    limit: z.number().int().min(1).optional().describe("At most this many messages (the oldest that match)"),
    mark_as_read: z.boolean().optional().describe("Mark fetched messages as read"),
    move_to: z.string().optional().describe("Move fetched messages to this folder (the server must support MOVE)"),
    with_body: z.boolean().optional().describe("Fetch bodies and attachments (default true); false fetches headers only"),
    body_preview: z
      .union([z.boolean(), z.number().int().min(0)])
      .optional()
      .describe("Include a preview of the body (true: 200 characters, or a length in characters)"),
    attachment_bytes: z
      .number()
      .int()
      .min(0)
      .max(5 * 1024 * 1024)
      .optional()
      .describe("Attachment content kept per message, base64 in attachments[].content (default 1 MiB; 0: metadata only)"),
    timeout: durationParam({ positive: true }).prefault("60s").describe("The whole mailbox session (default 60s)"),
  },
});

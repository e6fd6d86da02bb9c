/**
 * A received message as flows see it: raw MIME (an IMAP fetch, an inbound `email()` event's
 * `message.raw`) parsed with postal-mime into plain JSON. Attachment content is included as base64 up
 * to a byte budget shared by the whole message; past it an attachment keeps its metadata and
 * `content: null, truncated: true`. Header names are lower-case and values decoded (RFC 2047); a
 * repeated header's values are kept in order, joined by ", ", except Received, which keeps the first
 * (the nearest hop).
 */
import PostalMime, { decodeWords, type Address } from "postal-mime";
import { NodeError } from "../engine/outcome";
import { base64Encode } from "../lib/encoding";
import type { JsonObject } from "../lib/json";

export interface ParsedMailbox {
  name: string;
  address: string;
}

export interface ParsedAttachment {
  filename: string | null;
  content_type: string;
  disposition: string | null;
  content_id: string | null;
  size: number;
  /** Base64, or null when over the budget. */
  content: string | null;
  truncated: boolean;
}

export interface ParsedEmail {
  message_id: string | null;
  in_reply_to: string | null;
  references: string | null;
  date: string | null;
  from: ParsedMailbox | null;
  to: ParsedMailbox[];
  cc: ParsedMailbox[];
  reply_to: ParsedMailbox[];
  subject: string;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
  attachments: ParsedAttachment[];
}

export interface ParseOptions {
  /** Bytes of attachment content kept across the message (default 1 MiB; 0 keeps metadata only). */
  maxAttachmentBytes?: number;
}

const DEFAULT_ATTACHMENT_BUDGET = 1024 * 1024;

/** Parses raw MIME. A message postal-mime refuses (too deep, too many parts) fails with `invalid_message`, not retried. */
export async function parseEmail(
  raw: string | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array>,
  options: ParseOptions = {},
): Promise<ParsedEmail> {
  let email;
  try {
    email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer", maxNestingDepth: 50, maxPartCount: 1000 });
  } catch (error) {
    throw new NodeError(
      "invalid_message",
      `The message cannot be parsed: ${error instanceof Error ? error.message : String(error)}`,
      null,
      false,
    );
  }
  let budget = options.maxAttachmentBytes ?? DEFAULT_ATTACHMENT_BUDGET;
  const headers: Record<string, string> = {};
  for (const header of email.headers) {
    const previous = headers[header.key];
    const value = decodeWords(header.value);
    if (previous === undefined) headers[header.key] = value;
    else if (header.key !== "received") headers[header.key] = `${previous}, ${value}`;
  }
  return {
    message_id: email.messageId ?? null,
    in_reply_to: email.inReplyTo ?? null,
    references: email.references ?? null,
    date: email.date ?? null,
    from: mailboxes(email.from ? [email.from] : [])[0] ?? null,
    to: mailboxes(email.to),
    cc: mailboxes(email.cc),
    reply_to: mailboxes(email.replyTo),
    subject: email.subject ?? "",
    text: email.text ?? null,
    html: email.html ?? null,
    headers,
    attachments: email.attachments.map((attachment) => {
      const bytes =
        typeof attachment.content === "string" ? new TextEncoder().encode(attachment.content) : new Uint8Array(attachment.content);
      const kept = bytes.byteLength <= budget;
      if (kept) budget -= bytes.byteLength;
      return {
        filename: attachment.filename,
        content_type: attachment.mimeType,
        disposition: attachment.disposition,
        content_id: attachment.contentId ?? null,
        size: bytes.byteLength,
        content: kept ? base64Encode(bytes) : null,
        truncated: !kept,
      };
    }),
  };
}

/** Groups flattened into their members. */
function mailboxes(addresses: Address[] | undefined): ParsedMailbox[] {
  return (addresses ?? []).flatMap((a) => (a.group ? a.group : [a])).map((m) => ({ name: m.name, address: m.address ?? "" }));
}

/** The parsed message as a flow value (a run's input, a node's output). */
export const emailJson = (email: ParsedEmail): JsonObject => email as unknown as JsonObject;

/**
 * The node's params as the one message model (src/email/message.ts), checked: addresses, header
 * injection, attachment content, limits. The Message-ID comes from the step's visit (the same for
 * every attempt of it, and for each batch item its own), so a retried send carries the same id and a
 * receiver can tell a repeat from a new message.
 */
import { domainOf, parseMailbox, parseMailboxList, type Mailbox } from "../../email/address";
import { invalidEmail, refuseLineBreaks } from "../../email/errors";
import { checkCustomHeader, envelopeRecipients, type EmailAttachment, type OutgoingEmail } from "../../email/message";
import type { ParamsOf } from "../../flow/node-types/spec";
import { sha256Hex } from "../../lib/crypto";
import { decodeBase64, utf8 } from "../../lib/encoding";
import type { NodeContext } from "../types";
import type { emailSend } from "./spec";

export type EmailSendParams = ParamsOf<typeof emailSend>;

/** What every provider accepts (Resend, Postmark, SES and Cloudflare all stop at 50). */
export const MAX_RECIPIENTS = 50;
/** Attachments' decoded bytes in one message (Postmark's limit is 10 MB, the smallest of the providers). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  csv: "text/csv",
  txt: "text/plain",
  html: "text/html",
  htm: "text/html",
  json: "application/json",
  xml: "application/xml",
  ics: "text/calendar",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
  zip: "application/zip",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};

/** The mailbox the mail is from: `from`, else the SMTP login when it is an address. */
export function senderOf(params: EmailSendParams): Mailbox {
  if (params.from !== undefined) return parseMailbox(params.from, "from");
  return parseMailbox(params.username ?? "", "username");
}

export async function composeEmail(params: EmailSendParams, ctx: Pick<NodeContext, "visitKey" | "item" | "now">): Promise<OutgoingEmail> {
  const from = senderOf(params);
  const to = parseMailboxList(params.to, "to");
  if (to.length === 0) throw invalidEmail("invalid_address", "to names no recipient", "to");
  const email: OutgoingEmail = {
    from,
    to,
    cc: parseMailboxList(params.cc, "cc"),
    bcc: parseMailboxList(params.bcc, "bcc"),
    replyTo: parseMailboxList(params.reply_to, "reply_to"),
    subject: params.subject,
    ...(params.body === undefined ? {} : { text: params.body }),
    ...(params.html === undefined ? {} : { html: params.html }),
    attachments: attachmentsOf(params.attachments ?? []),
    headers: Object.entries(params.headers ?? {}).map(([name, value]) => {
      checkCustomHeader(name, String(value));
      return [name, String(value)] as [string, string];
    }),
    messageId: await messageIdFor(ctx, from),
    date: ctx.now(),
  };
  refuseLineBreaks(email.subject, "subject", "The subject");
  const recipients = envelopeRecipients(email).length;
  if (recipients > MAX_RECIPIENTS) {
    throw invalidEmail("invalid_address", `${recipients} recipients in to, cc and bcc; at most ${MAX_RECIPIENTS} per message`, "to");
  }
  return email;
}

/** `<32 hex digits@sender's domain>`: a hash of the visit (and batch item), the same for each attempt. */
export async function messageIdFor(ctx: Pick<NodeContext, "visitKey" | "item">, from: Mailbox): Promise<string> {
  const key = ctx.item === undefined ? ctx.visitKey : `${ctx.visitKey}:item-${ctx.item}`;
  return `<${(await sha256Hex(`email.send:${key}`)).slice(0, 32)}@${domainOf(from)}>`;
}

/** The same key, for a provider's idempotency header. */
export const idempotencyKeyOf = (email: OutgoingEmail) => email.messageId.slice(1, email.messageId.indexOf("@"));

function attachmentsOf(list: NonNullable<EmailSendParams["attachments"]>): EmailAttachment[] {
  let total = 0;
  return list.map((item, index) => {
    const param = `attachments[${index}]`;
    refuseLineBreaks(item.filename, `${param}.filename`, "An attachment's filename");
    let content: Uint8Array | undefined;
    if (item.encoding === "text") content = utf8(item.content);
    else content = decodeBase64(item.content.replace(/\s+/g, ""));
    if (content === undefined) {
      throw invalidEmail("invalid_attachment", `${param}.content is not base64; give encoding: text for text content`, `${param}.content`);
    }
    total += content.byteLength;
    if (total > MAX_ATTACHMENT_BYTES) {
      throw invalidEmail("invalid_attachment", `Attachments add up to more than ${MAX_ATTACHMENT_BYTES} bytes`, param);
    }
    const contentType = (item.content_type ?? guessType(item.filename)).trim().toLowerCase();
    if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(contentType)) {
      throw invalidEmail(
        "invalid_attachment",
        `${param}.content_type '${contentType}' is not a MIME type (type/subtype)`,
        `${param}.content_type`,
      );
    }
    return { filename: item.filename, contentType, content };
  });
}

function guessType(filename: string): string {
  const extension = filename.slice(filename.lastIndexOf(".") + 1).toLowerCase();
  return CONTENT_TYPES[extension] ?? "application/octet-stream";
}

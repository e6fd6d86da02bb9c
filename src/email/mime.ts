/**
 * Writes an OutgoingEmail as an RFC 5322 / MIME message: CRLF line breaks, every line within 998
 * characters (headers folded near 78), 7-bit only, so no server needs 8BITMIME or SMTPUTF8.
 *
 *   text or html alone     a single text/plain or text/html part
 *   text and html          multipart/alternative (plain first, as RFC 2046 orders them)
 *   with attachments       multipart/mixed: the body above, then each attachment in base64
 *
 * Boundaries are derived from the Message-ID, so the same message is written byte for byte the same
 * (a retried SMTP send, a test); they contain "=_", which neither quoted-printable nor base64 output
 * can, so they never occur in a part.
 */
import type { Mailbox } from "./address";
import { base64Lines, CRLF, isPrintableAscii, mimeParameter, phrase, quotedPrintable, rfc5322Date, unstructuredValue } from "./encoding";
import type { EmailAttachment, OutgoingEmail } from "./message";

export function buildMime(email: OutgoingEmail): string {
  const headers: string[] = [
    `Date: ${rfc5322Date(email.date)}`,
    addressHeader("From", [email.from]),
    ...(email.to.length > 0 ? [addressHeader("To", email.to)] : []),
    ...(email.cc.length > 0 ? [addressHeader("Cc", email.cc)] : []),
    ...(email.replyTo.length > 0 ? [addressHeader("Reply-To", email.replyTo)] : []),
    `Subject: ${unstructuredValue(email.subject, "Subject: ".length)}`,
    `Message-ID: ${email.messageId}`,
    ...email.headers.map(([name, value]) => `${name}: ${unstructuredValue(value, name.length + 2)}`),
    "MIME-Version: 1.0",
  ];
  const boundaryBase = boundaryOf(email.messageId);
  const body = bodyPart(email, `${boundaryBase}_alt`);
  const root = email.attachments.length === 0 ? body : mixed(body, email.attachments, `${boundaryBase}_mix`);
  return `${headers.join(CRLF)}${CRLF}${root}`;
}

/** `Name <address>` as a header writes it (the name as an atom, quoted string or encoded words). */
export function formatMailbox(mailbox: Mailbox): string {
  return mailbox.name === undefined ? mailbox.address : `${phrase(mailbox.name)} <${mailbox.address}>`;
}

/** An address header, folded between mailboxes. */
function addressHeader(name: string, mailboxes: Mailbox[]): string {
  let out = `${name}: `;
  let lineLength = out.length;
  mailboxes.forEach((mailbox, index) => {
    const text = formatMailbox(mailbox) + (index < mailboxes.length - 1 ? "," : "");
    if (index > 0) {
      if (lineLength + 1 + text.length > 78) {
        out += `${CRLF} `;
        lineLength = 1;
      } else {
        out += " ";
        lineLength++;
      }
    }
    out += text;
    lineLength += text.length;
  });
  return out;
}

/** A part: its headers, a blank line, its content (the caller adds what follows). */
const part = (headers: string[], content: string) => `${headers.join(CRLF)}${CRLF}${CRLF}${content}`;

function textPart(subtype: "plain" | "html", text: string): string {
  return part([`Content-Type: text/${subtype}; charset=utf-8`, "Content-Transfer-Encoding: quoted-printable"], quotedPrintable(text));
}

function bodyPart(email: OutgoingEmail, boundary: string): string {
  const { text, html } = email;
  if (text !== undefined && html !== undefined) {
    return multipart("alternative", boundary, [textPart("plain", text), textPart("html", html)]);
  }
  if (html !== undefined) return textPart("html", html);
  return textPart("plain", text ?? "");
}

function mixed(body: string, attachments: EmailAttachment[], boundary: string): string {
  return multipart("mixed", boundary, [body, ...attachments.map(attachmentPart)]);
}

function attachmentPart(attachment: EmailAttachment): string {
  return part(
    [
      `Content-Type: ${attachment.contentType}; ${mimeParameter("name", attachment.filename)}`,
      `Content-Disposition: attachment; ${mimeParameter("filename", attachment.filename)}`,
      "Content-Transfer-Encoding: base64",
    ],
    base64Lines(attachment.content),
  );
}

function multipart(subtype: "alternative" | "mixed", boundary: string, parts: string[]): string {
  const inner = parts.map((p) => `--${boundary}${CRLF}${p}${CRLF}`).join("");
  return part([`Content-Type: multipart/${subtype}; boundary="${boundary}"`], `${inner}--${boundary}--${CRLF}`);
}

/** A boundary from the Message-ID's characters that are safe in one (RFC 2046 bchars), at most 70 long. */
function boundaryOf(messageId: string): string {
  const safe = messageId.replace(/[^A-Za-z0-9'()+_,./:?-]/g, "").slice(0, 50);
  return `=_fr_${isPrintableAscii(safe) ? safe : ""}`;
}

/**
 * The one message model: what `email.send` builds from its params and every provider sends, and what
 * the MIME writer (mime.ts) turns into RFC 5322 text. Values are checked when the model is built
 * (compose in the node), so writers and providers can trust them.
 */
import type { Mailbox } from "./address";
import { invalidEmail, refuseLineBreaks } from "./errors";

export interface EmailAttachment {
  filename: string;
  /** `type/subtype`, lower-case. */
  contentType: string;
  content: Uint8Array;
}

export interface OutgoingEmail {
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  /** Envelope recipients only: never written into the message. */
  bcc: Mailbox[];
  replyTo: Mailbox[];
  subject: string;
  text?: string;
  html?: string;
  attachments: EmailAttachment[];
  /** Extra headers in order, checked by `checkCustomHeader`. */
  headers: [string, string][];
  /** `<id@domain>`, angle brackets included. */
  messageId: string;
  /** Epoch milliseconds, for the Date header. */
  date: number;
}

/** Every envelope recipient, each address once, in to, cc, bcc order. */
export function envelopeRecipients(email: OutgoingEmail): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const mailbox of [...email.to, ...email.cc, ...email.bcc]) {
    const key = mailbox.address.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(mailbox.address);
    }
  }
  return out;
}

/**
 * Headers the model writes itself: a custom header may not set them, so that each has one source
 * (the param for it) and a template cannot, say, add recipients through `headers`.
 */
const MANAGED_HEADERS: Readonly<Record<string, string>> = {
  from: "from",
  sender: "from",
  to: "to",
  cc: "cc",
  bcc: "bcc",
  "reply-to": "reply_to",
  subject: "subject",
  date: "",
  "message-id": "",
  "mime-version": "",
  "content-type": "body, html or attachments",
  "content-transfer-encoding": "",
  "content-disposition": "",
  received: "",
  "return-path": "",
};

/** A custom header: a field name of printable ASCII without a colon, a value on one line, not one the model manages. */
export function checkCustomHeader(name: string, value: string): void {
  const param = `headers.${name}`;
  if (!/^[!-9;-~]{1,76}$/.test(name)) {
    throw invalidEmail(
      "invalid_header",
      `Header name '${name}' is not valid: 1-76 printable ASCII characters, no spaces or colons`,
      "headers",
    );
  }
  const managed = MANAGED_HEADERS[name.toLowerCase()];
  if (managed !== undefined) {
    throw invalidEmail(
      "invalid_header",
      `Header '${name}' is set by email.send itself${managed === "" ? "" : `; use the param ${managed}`}`,
      param,
    );
  }
  refuseLineBreaks(value, param, `The value of header '${name}'`);
}

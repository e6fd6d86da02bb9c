/**
 * Mail delivered to the Worker's `email()` handler in the pool, as Cloudflare Email Routing hands it
 * over: a ForwardableEmailMessage with the raw MIME, whose setReject/forward calls are recorded.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import type { Env } from "../../src/env";
import worker from "../../src/index";

export interface Delivered {
  rejected: string | null;
  forwarded: string | null;
}

export interface Mail {
  from: string;
  to: string;
  /** Header From (default: the envelope sender). */
  headerFrom?: string;
  subject?: string;
  text?: string;
  messageId?: string;
  /** A text attachment: [filename, content]. */
  attachment?: [string, string];
  /** Extra header lines, already folded. */
  extraHeaders?: string[];
}

/** Raw MIME for a message, CRLF line ends, with a base64 attachment when asked. */
export function rawMessage(mail: Mail): string {
  const messageId = mail.messageId ?? `<${crypto.randomUUID()}@mail.example.com>`;
  const head = [
    `From: ${mail.headerFrom ?? mail.from}`,
    `To: ${mail.to}`,
    `Subject: ${encodedWord(mail.subject ?? "Hello")}`,
    `Date: Sat, 05 Dec 2026 10:00:00 +0000`,
    `Message-ID: ${messageId}`,
    "MIME-Version: 1.0",
    ...(mail.extraHeaders ?? []),
  ];
  const text = mail.text ?? "Hello there";
  if (!mail.attachment) return [...head, "Content-Type: text/plain; charset=utf-8", "", text, ""].join("\r\n");
  const [filename, content] = mail.attachment;
  const base64 = btoa(String.fromCharCode(...new TextEncoder().encode(content)));
  return [
    ...head,
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    "Content-Type: text/plain; charset=utf-8",
    "",
    text,
    "--b1",
    `Content-Type: text/plain; name="${filename}"`,
    `Content-Disposition: attachment; filename="${filename}"`,
    "Content-Transfer-Encoding: base64",
    "",
    base64,
    "--b1--",
    "",
  ].join("\r\n");
}

/** RFC 2047: a header value with non-ASCII characters as one base64 encoded word. */
function encodedWord(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return `=?UTF-8?B?${btoa(String.fromCharCode(...new TextEncoder().encode(value)))}?=`;
}

/** Delivers the message to the Worker as Email Routing would, and says what the Worker answered. */
export async function deliver(mail: Mail, vars: Partial<Env> = {}, raw = rawMessage(mail)): Promise<Delivered> {
  const bytes = new TextEncoder().encode(raw);
  const outcome: Delivered = { rejected: null, forwarded: null };
  const headers = new Headers();
  for (const line of raw.split("\r\n\r\n")[0]!.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const message = {
    from: mail.from,
    to: mail.to,
    headers,
    raw: new Response(bytes).body!,
    rawSize: bytes.byteLength,
    setReject: (reason: string) => {
      outcome.rejected = reason;
    },
    forward: async (to: string) => {
      outcome.forwarded = to;
    },
    reply: async () => {},
  } as unknown as ForwardableEmailMessage;
  const ctx = createExecutionContext();
  await worker.email(message, { ...env, ...vars } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return outcome;
}

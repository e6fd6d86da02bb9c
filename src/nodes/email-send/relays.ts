/**
 * The relay providers' request shapes, each as its API reference documents it. Resend, SendGrid and
 * Postmark take the message as JSON fields; Mailgun (messages.mime) and SES (v2 SendEmail, Raw
 * content) take the MIME text mime.ts writes, so they send exactly what SMTP would.
 */
import { AwsClient } from "aws4fetch";
import type { Mailbox } from "../../email/address";
import { envelopeRecipients, type OutgoingEmail } from "../../email/message";
import { buildMime } from "../../email/mime";
import { base64Encode, utf8 } from "../../lib/encoding";
import type { EmailProvider } from "./spec";
import { idempotencyKeyOf } from "./compose";
import { field, type Relay, type RelayAnswer } from "./relay";

/** `Name <address>` for JSON APIs: the name quoted when it has specials, Unicode kept as is (the API encodes it). */
export function jsonMailbox(mailbox: Mailbox): string {
  if (mailbox.name === undefined) return mailbox.address;
  const name = /[()<>[\]:;@\\,."]/.test(mailbox.name) ? `"${mailbox.name.replace(/(["\\])/g, "\\$1")}"` : mailbox.name;
  return `${name} <${mailbox.address}>`;
}

const json = (headers: Record<string, string>, body: unknown) => ({
  headers: new Headers({ "Content-Type": "application/json", Accept: "application/json", ...headers }),
  body: JSON.stringify(body),
});

/** Custom headers with the Message-ID first, as the JSON APIs take them. */
const headerMap = (email: OutgoingEmail) => Object.fromEntries([["Message-ID", email.messageId], ...email.headers]);

const messageOr = (answer: RelayAnswer, ...path: string[]) => field(answer.json, ...path) ?? answer.text.trim();

/** https://resend.com/docs/api-reference/emails/send-email */
const resend: Relay = {
  defaultUrl: () => "https://api.resend.com",
  async build(email, params, base) {
    return {
      url: `${base}/emails`,
      ...json(
        { Authorization: `Bearer ${params.api_key}`, "Idempotency-Key": idempotencyKeyOf(email) },
        {
          from: jsonMailbox(email.from),
          to: email.to.map(jsonMailbox),
          ...(email.cc.length > 0 ? { cc: email.cc.map(jsonMailbox) } : {}),
          ...(email.bcc.length > 0 ? { bcc: email.bcc.map(jsonMailbox) } : {}),
          ...(email.replyTo.length > 0 ? { reply_to: email.replyTo.map(jsonMailbox) } : {}),
          subject: email.subject,
          ...(email.text === undefined ? {} : { text: email.text }),
          ...(email.html === undefined ? {} : { html: email.html }),
          headers: headerMap(email),
          ...(email.attachments.length > 0
            ? {
                attachments: email.attachments.map((a) => ({
                  filename: a.filename,
                  content: base64Encode(a.content),
                  content_type: a.contentType,
                })),
              }
            : {}),
        },
      ),
    };
  },
  messageId: (answer) => field(answer.json, "id") ?? null,
  error: (answer) => ({ code: field(answer.json, "name") ?? null, message: messageOr(answer, "message") }),
};

/** SendGrid v3 Mail Send: https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send */
const sendgrid: Relay = {
  defaultUrl: () => "https://api.sendgrid.com",
  async build(email, params, base) {
    const person = (m: Mailbox) => (m.name === undefined ? { email: m.address } : { email: m.address, name: m.name });
    // SendGrid refuses an address that appears twice across to, cc and bcc.
    const seen = new Set<string>();
    const once = (list: Mailbox[]) =>
      list.filter((m) => !seen.has(m.address.toLowerCase()) && seen.add(m.address.toLowerCase())).map(person);
    const to = once(email.to);
    const cc = once(email.cc);
    const bcc = once(email.bcc);
    const content = [
      ...(email.text === undefined ? [] : [{ type: "text/plain", value: email.text }]),
      ...(email.html === undefined ? [] : [{ type: "text/html", value: email.html }]),
    ];
    return {
      url: `${base}/v3/mail/send`,
      ...json(
        { Authorization: `Bearer ${params.api_key}` },
        {
          personalizations: [{ to, ...(cc.length > 0 ? { cc } : {}), ...(bcc.length > 0 ? { bcc } : {}) }],
          from: person(email.from),
          ...(email.replyTo.length === 1 ? { reply_to: person(email.replyTo[0]!) } : {}),
          ...(email.replyTo.length > 1 ? { reply_to_list: email.replyTo.map(person) } : {}),
          subject: email.subject,
          content,
          headers: headerMap(email),
          ...(email.attachments.length > 0
            ? {
                attachments: email.attachments.map((a) => ({
                  content: base64Encode(a.content),
                  filename: a.filename,
                  type: a.contentType,
                  disposition: "attachment",
                })),
              }
            : {}),
        },
      ),
    };
  },
  messageId: (answer) => answer.headers.get("x-message-id"),
  error: (answer) => {
    const errors = (answer.json as { errors?: { message?: string; field?: string | null }[] } | undefined)?.errors;
    if (!Array.isArray(errors) || errors.length === 0) return { code: null, message: answer.text.trim() };
    return { code: errors[0]?.field ?? null, message: errors.map((e) => e.message ?? "").join("; ") };
  },
};

/** Mailgun, MIME form: https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages/post-v3--domain-name--messages-mime */
const mailgun: Relay = {
  defaultUrl: () => "https://api.mailgun.net",
  async build(email, params, base) {
    const form = new FormData();
    for (const recipient of envelopeRecipients(email)) form.append("to", recipient);
    form.append("message", new Blob([buildMime(email)], { type: "message/rfc822" }), "message.mime");
    // Serialised here: the body must be bytes for ctx.http, with the boundary FormData chose.
    const encoded = new Response(form);
    const headers = new Headers({
      Authorization: `Basic ${base64Encode(utf8(`api:${params.api_key}`))}`,
      "Content-Type": encoded.headers.get("Content-Type")!,
      Accept: "application/json",
    });
    return {
      url: `${base}/v3/${encodeURIComponent(params.domain ?? "")}/messages.mime`,
      headers,
      body: new Uint8Array(await encoded.arrayBuffer()),
    };
  },
  messageId: (answer) => field(answer.json, "id") ?? null,
  error: (answer) => ({ code: null, message: messageOr(answer, "message") }),
};

/** https://postmarkapp.com/developer/api/email-api#send-a-single-email */
const postmark: Relay = {
  defaultUrl: () => "https://api.postmarkapp.com",
  async build(email, params, base) {
    const list = (mailboxes: Mailbox[]) => mailboxes.map(jsonMailbox).join(", ");
    return {
      url: `${base}/email`,
      ...json(
        { "X-Postmark-Server-Token": params.api_key ?? "" },
        {
          From: jsonMailbox(email.from),
          To: list(email.to),
          ...(email.cc.length > 0 ? { Cc: list(email.cc) } : {}),
          ...(email.bcc.length > 0 ? { Bcc: list(email.bcc) } : {}),
          ...(email.replyTo.length > 0 ? { ReplyTo: list(email.replyTo) } : {}),
          Subject: email.subject,
          ...(email.text === undefined ? {} : { TextBody: email.text }),
          ...(email.html === undefined ? {} : { HtmlBody: email.html }),
          Headers: Object.entries(headerMap(email)).map(([Name, Value]) => ({ Name, Value })),
          ...(email.attachments.length > 0
            ? {
                Attachments: email.attachments.map((a) => ({
                  Name: a.filename,
                  Content: base64Encode(a.content),
                  ContentType: a.contentType,
                })),
              }
            : {}),
        },
      ),
    };
  },
  messageId: (answer) => field(answer.json, "MessageID") ?? null,
  error: (answer) => ({ code: field(answer.json, "ErrorCode") ?? null, message: messageOr(answer, "Message") }),
};

/** SES v2 SendEmail with Raw content, signed with SigV4: https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html */
const ses: Relay = {
  defaultUrl: (params) => `https://email.${params.region}.amazonaws.com`,
  async build(email, params, base) {
    const url = `${base}/v2/email/outbound-emails`;
    const body = JSON.stringify({
      FromEmailAddress: jsonMailbox(email.from),
      Destination: {
        ToAddresses: email.to.map((m) => m.address),
        ...(email.cc.length > 0 ? { CcAddresses: email.cc.map((m) => m.address) } : {}),
        ...(email.bcc.length > 0 ? { BccAddresses: email.bcc.map((m) => m.address) } : {}),
      },
      ...(email.replyTo.length > 0 ? { ReplyToAddresses: email.replyTo.map((m) => m.address) } : {}),
      Content: { Raw: { Data: base64Encode(utf8(buildMime(email))) } },
    });
    // The service and region are given: aws4fetch can only guess them from an amazonaws.com host.
    const aws = new AwsClient({
      accessKeyId: params.access_key ?? "",
      secretAccessKey: params.secret_key ?? "",
      service: "ses",
      region: params.region ?? "",
      retries: 0,
    });
    const signed = await aws.sign(url, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    return { url: signed.url, headers: signed.headers, body };
  },
  messageId: (answer) => field(answer.json, "MessageId") ?? null,
  error: (answer) => {
    const type = answer.headers.get("x-amzn-errortype") ?? field(answer.json, "__type") ?? null;
    return { code: type === null ? null : type.split(":")[0]!.split("#").pop()!, message: messageOr(answer, "message") };
  },
};

export const RELAYS: Readonly<Partial<Record<EmailProvider, Relay>>> = { resend, sendgrid, mailgun, postmark, ses };

/** The email stand-ins of test/standins-setup.ts: the SMTP server (scripts/standins/smtp.mjs) and the relay APIs (email-relays.mjs). */
import { expect, inject } from "vitest";
import type { ReceivedMessage, SmtpPorts } from "../../scripts/standins/smtp.mjs";

const smtpUrl = inject("standins").smtp;
/** The SMTP stand-in's HTTP side (its ports, what arrived). */
export const SMTP_HTTP = smtpUrl;
/** Base URL of the relay stand-ins; a flow's base_url is `${RELAYS}/<provider>`. */
export const RELAYS = inject("standins").email;

export const SMTP_USER = "mailer";
export const SMTP_PASSWORD = "pässwörd-✓-smtp";
/** The relay stand-ins' credentials (scripts/standins/email-relays.mjs RELAY_KEYS). */
export const RELAY_KEYS = {
  resend: "re_standin",
  sendgrid: "SG.standin",
  mailgun: "key-standin",
  postmark: "postmark-standin",
  ses: { accessKeyId: "AKIDSTANDIN", secretAccessKey: "standin-secret" },
};

export async function smtpPorts(): Promise<SmtpPorts> {
  const res = await fetch(smtpUrl);
  expect(res.status).toBe(200);
  return ((await res.json()) as { ports: SmtpPorts }).ports;
}

/** What the SMTP stand-in accepted for that envelope recipient. */
export async function smtpReceived(rcpt: string): Promise<ReceivedMessage[]> {
  const res = await fetch(`${smtpUrl}/messages?rcpt=${encodeURIComponent(rcpt)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: ReceivedMessage[] }).messages;
}

export interface RelayMessage {
  provider: string;
  id: string;
  headers: Record<string, string>;
  recipients: string[];
  body?: Record<string, unknown>;
  mime?: {
    message_id: string | null;
    subject: string | null;
    from: { address: string; name: string }[];
    to: { address: string; name: string }[];
    text: string | null;
    html: string | null;
    has_bcc_header: boolean;
    attachments: { filename: string; content_type: string; content_base64: string }[];
  };
}

/** What the relay stand-ins accepted for that recipient. */
export async function relayReceived(rcpt: string): Promise<RelayMessage[]> {
  const res = await fetch(`${RELAYS}/_standin/messages?rcpt=${encodeURIComponent(rcpt)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: RelayMessage[] }).messages;
}

/** An address no other test uses: `local@<random>.example.com` (the local part scripts the stand-ins). */
export const mailbox = (local = "user") => `${local}@${crypto.randomUUID().slice(0, 8)}.example.com`;

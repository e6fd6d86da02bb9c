/**
 * The run input of a message that an `email` trigger accepted: the parsed message (the shape
 * `email.receive` gives, src/email/parse.ts) plus the envelope. A run's input is stored whole, so it
 * must fit INPUT_BUDGET.storedValueBytes: past it, attachment content goes first, then the HTML body,
 * then the text body is cut (and, for a message that is mostly headers, the header map), and
 * `truncated` says so. The raw message is not kept anywhere else.
 */
import { emailJson, type ParsedEmail } from "../email/parse";
import { INPUT_BUDGET, jsonBytes } from "../input-budget";
import type { JsonObject } from "../lib/json";

export interface Envelope {
  /** The SMTP sender (MAIL FROM). */
  from: string;
  /** The recipient this delivery is for (RCPT TO). */
  to: string;
}

export function emailRunInput(email: ParsedEmail, envelope: Envelope, size: number, receivedAt: string): JsonObject {
  const input = (parsed: ParsedEmail, truncated: boolean): JsonObject => ({
    ...emailJson(parsed),
    envelope: { from: envelope.from, to: envelope.to },
    size,
    received_at: receivedAt,
    truncated,
  });
  const limit = INPUT_BUDGET.storedValueBytes;
  const fits = (value: JsonObject) => (jsonBytes(value) ?? Infinity) <= limit;
  const whole = input(email, false);
  if (fits(whole)) return whole;
  const lighter: ParsedEmail = {
    ...email,
    attachments: email.attachments.map((a) => ({ ...a, content: null, truncated: a.content !== null || a.truncated })),
  };
  if (fits(input(lighter, true))) return input(lighter, true);
  const noHtml: ParsedEmail = { ...lighter, html: null };
  if (fits(input(noHtml, true))) return input(noHtml, true);
  // Keep the share of the text that the room left allows, then shorten by a tenth until it fits
  // (characters differ in size once escaped and encoded, so the first guess can be a little over).
  const text = noHtml.text ?? "";
  const room = limit - ((jsonBytes(input({ ...noHtml, text: "" }, true)) ?? Infinity) - 2);
  let keep = Math.floor(text.length * Math.max(0, room / ((jsonBytes(text) ?? 1) - 2)));
  for (let tries = 0; tries < 50 && keep > 0; tries++) {
    const cut = input({ ...noHtml, text: text.slice(0, keep) }, true);
    if (fits(cut)) return cut;
    keep = Math.floor(keep * 0.9);
  }
  // Only a message that is mostly headers gets here: keep the parsed fields, drop the header map.
  return input({ ...noHtml, text: null, headers: {} }, true);
}

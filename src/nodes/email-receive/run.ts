/**
 * `email.receive`: one IMAP session (src/email/imap.ts) per step: SELECT the folder, UID SEARCH with
 * the filters, the oldest `limit` matches fetched (BODY.PEEK[], so fetching alone marks nothing read)
 * and parsed with postal-mime, then the asked-for changes: \Seen, a move. UIDs and the folder's
 * UIDVALIDITY are in every message's metadata, so a later run continues with `after_uid`.
 * The password is removed from whatever leaves the node, even when written into the flow.
 */
import { arg, ImapSession, imapDate, mailboxName, tokens, type ImapResponse, type Token } from "../../email/imap";
import { parseEmail, type ParsedMailbox } from "../../email/parse";
import { NodeError } from "../../engine/outcome";
import { Redactor } from "../../expressions";
import { redactError } from "../lifecycle/redact";
import type { ParamsOf } from "../../flow/node-types/spec";
import type { JsonObject } from "../../lib/json";
import { done, defineNode } from "../define";
import { emailReceive } from "./spec";

/** A message larger than this is fetched headers only (metadata.truncated), so one mail cannot exhaust memory. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
const DEFAULT_PREVIEW = 200;

interface Found {
  uid: number;
  sequence: number;
  flags: string[];
  size: number;
  internalDate: string | null;
}

export const emailReceiveNode = defineNode({
  spec: emailReceive,
  run: async (ctx) => {
    const params = ctx.params;
    const redactor = Redactor.fromSecrets([params.password]);
    const port = params.imap_port ?? 993;
    const folder = params.folder ?? "INBOX";
    let session: ImapSession | undefined;
    try {
      session = await ImapSession.open(
        ctx.connect,
        ctx.signal,
        { host: params.imap_host, port, security: params.imap_security ?? (port === 993 ? "tls" : "starttls"), timeoutMs: params.timeout },
        params.username,
        params.password,
      );
      if (params.move_to !== undefined && !session.capabilities.has("MOVE")) {
        throw new NodeError(
          "imap_move_unsupported",
          "The IMAP server does not support MOVE (RFC 6851), which move_to needs",
          session.details(),
          false,
        );
      }
      const selected = await session.run(["SELECT", arg(mailboxName(folder))], `SELECT ${folder}`);
      const uidValidity = Number(/\[UIDVALIDITY (\d+)\]/i.exec(selected.map((r) => r.text).join("\n"))?.[1] ?? 0);
      const afterUid = params.uid_validity === undefined || params.uid_validity === uidValidity ? (params.after_uid ?? 0) : 0;

      const uids = (await session.run(["UID", "SEARCH", ...criteria(params, afterUid)], "SEARCH"))
        .flatMap((r) => (/^\* SEARCH\b/i.test(r.text) ? r.text.slice(8).trim().split(/\s+/).filter(Boolean).map(Number) : []))
        .filter((uid) => uid > afterUid)
        .sort((a, b) => a - b)
        .slice(0, params.limit ?? Infinity);
      if (uids.length === 0) {
        ctx.log("info", `No matching messages in ${folder}`, { uidvalidity: uidValidity });
        return done([]);
      }

      const found = parseFetches(await session.run(["UID", "FETCH", uids.join(","), "(UID FLAGS RFC822.SIZE INTERNALDATE)"], "FETCH"));
      const messages: JsonObject[] = [];
      for (const uid of uids) {
        const meta = found.get(uid);
        if (!meta) continue; // expunged by another client since the search
        const headersOnly = params.with_body === false || meta.size > MAX_MESSAGE_BYTES;
        const section = headersOnly ? "BODY.PEEK[HEADER]" : "BODY.PEEK[]";
        const raw = parseFetches(await session.run(["UID", "FETCH", String(uid), `(UID ${section})`], "FETCH"), true).get(uid)?.raw;
        if (raw === undefined) {
          throw new NodeError(
            "protocol_error",
            `The IMAP server answered the fetch of UID ${uid} without the message`,
            session.details(),
            false,
          );
        }
        const email = await parseEmail(raw, { maxAttachmentBytes: params.attachment_bytes });
        const flags = params.mark_as_read && !meta.flags.includes("\\Seen") ? [...meta.flags, "\\Seen"] : meta.flags;
        const text = headersOnly ? null : email.text;
        const html = headersOnly ? null : email.html;
        messages.push({
          subject: email.subject,
          from: email.from ? display(email.from) : null,
          to: email.to.map(display),
          cc: email.cc.map(display),
          reply_to: email.reply_to.map(display),
          date: email.date,
          body: text,
          html,
          ...(params.body_preview === undefined || params.body_preview === false
            ? {}
            : { body_preview: preview(text, html, params.body_preview === true ? DEFAULT_PREVIEW : params.body_preview) }),
          headers: email.headers,
          messageId: email.message_id,
          attachments: headersOnly ? [] : email.attachments.map((a) => ({ ...a })),
          metadata: {
            uid,
            uidvalidity: uidValidity,
            folder,
            flags,
            sequence: meta.sequence,
            size: meta.size,
            internal_date: meta.internalDate,
            truncated: meta.size > MAX_MESSAGE_BYTES && params.with_body !== false,
          },
        });
      }
      const fetched = messages.map((m) => (m.metadata as { uid: number }).uid).join(",");
      if (fetched && params.mark_as_read) await session.run(["UID", "STORE", fetched, "+FLAGS.SILENT", "(\\Seen)"], "STORE");
      if (fetched && params.move_to !== undefined)
        await session.run(["UID", "MOVE", fetched, arg(mailboxName(params.move_to))], `MOVE to ${params.move_to}`);
      ctx.log("info", `Fetched ${messages.length} message(s) from ${folder}`, { uidvalidity: uidValidity, uids: fetched });
      return done(redactor.value(messages));
    } catch (error) {
      if (!(error instanceof NodeError)) throw error;
      throw redactError(error, redactor);
    } finally {
      await session?.close();
    }
  },
});

type Params = ParamsOf<typeof emailReceive>;

/** UID SEARCH keys for the filters; CHARSET UTF-8 when a value is not ASCII. */
function criteria(params: Params, afterUid: number): (string | ReturnType<typeof arg>)[] {
  const keys: (string | ReturnType<typeof arg>)[] = [];
  if (afterUid > 0) keys.push("UID", `${afterUid + 1}:*`);
  if (params.unseen) keys.push("UNSEEN");
  if (params.since !== undefined) keys.push("SINCE", imapDate(params.since));
  if (params.before !== undefined) keys.push("BEFORE", imapDate(params.before));
  for (const key of ["from", "to", "subject"] as const) {
    const value = params[key];
    if (value !== undefined) keys.push(key.toUpperCase(), arg(value));
  }
  if (keys.length === 0) keys.push("ALL");
  const wide = [params.from, params.to, params.subject].some((v) => v !== undefined && /[^\x20-\x7e]/.test(v));
  return wide ? ["CHARSET", "UTF-8", ...keys] : keys;
}

/** `* <seq> FETCH (UID n FLAGS (...) RFC822.SIZE n INTERNALDATE "..." BODY[...] {n}...)`, by UID. */
function parseFetches(responses: ImapResponse[], withBody = false): Map<number, Found & { raw?: Uint8Array }> {
  const out = new Map<number, Found & { raw?: Uint8Array }>();
  for (const response of responses) {
    const head = /^\* (\d+) FETCH /i.exec(response.text);
    if (!head) continue;
    const items = tokens(response, head[0].length)[0];
    if (!Array.isArray(items)) continue;
    const found: Found & { raw?: Uint8Array } = { uid: 0, sequence: Number(head[1]), flags: [], size: 0, internalDate: null };
    for (let i = 0; i < items.length; i++) {
      const key = typeof items[i] === "string" ? (items[i] as string).toUpperCase() : "";
      const value: Token | undefined = items[i + 1];
      if (key === "UID") found.uid = Number(value);
      else if (key === "FLAGS" && Array.isArray(value))
        found.flags = value.filter((f): f is string => typeof f === "string" && f !== "\\Recent");
      else if (key === "RFC822.SIZE") found.size = Number(value);
      else if (key === "INTERNALDATE" && typeof value === "string")
        found.internalDate = new Date(value.replace(/^(\d+)-(\w+)-(\d+)/, "$2 $1 $3")).toISOString();
      else if (key === "BODY" && Array.isArray(value)) {
        const content = items[i + 2];
        found.raw =
          content instanceof Uint8Array ? content : typeof content === "string" ? new TextEncoder().encode(content) : new Uint8Array(0);
        i++;
      } else continue;
      i++;
    }
    if (found.uid > 0 && (!withBody || found.raw)) out.set(found.uid, found);
  }
  return out;
}

const display = (mailbox: ParsedMailbox) => (mailbox.name ? `${mailbox.name} <${mailbox.address}>` : mailbox.address);

/** The first `length` characters of the text body (else the HTML's text), whitespace collapsed. */
function preview(text: string | null, html: string | null, length: number): string {
  const source = text ?? (html ?? "").replace(/<(style|script)[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " ");
  return source.replace(/\s+/g, " ").trim().slice(0, length);
}

/**
 * An IMAP4rev1 client over `ctx.connect` (RFC 3501; UID MOVE of RFC 6851), the few commands a
 * mailbox reader needs: LOGIN after TLS (implicit or STARTTLS), SELECT, UID SEARCH, UID FETCH,
 * UID STORE and UID MOVE. Written on Wire for the same reasons as the SMTP client: the socket must be
 * the node's (address policy, signal, one deadline), and imapflow cannot upgrade with STARTTLS in
 * workerd.
 *
 * Responses are read whole, literals included: `{n}` at a line's end is followed by n bytes, then the
 * rest of the response. The text keeps a placeholder `\0<index>\0` where each literal stood, and
 * `tokens()` reads the text into atoms, quoted strings, lists and literals. Tagged NO and BAD become
 * NodeErrors; `[AUTHENTICATIONFAILED]` and a refused LOGIN are not retried, `[UNAVAILABLE]` is.
 */
import { NodeError } from "../engine/outcome";
import { utf8 } from "../lib/encoding";
import type { Connect } from "../nodes/capabilities/socket";
import { CRLF } from "./encoding";
import { Wire } from "./wire";

export type ImapSecurity = "tls" | "starttls";

export interface ImapSettings {
  host: string;
  port: number;
  security: ImapSecurity;
  timeoutMs: number;
}

export interface ImapResponse {
  /** The response's text with each literal as `\0<index>\0`. */
  text: string;
  literals: Uint8Array[];
}

/** A token of a response: an atom or quoted string (text), a literal (bytes), or a parenthesised list. */
export type Token = string | Uint8Array | Token[] | null;

/** A value for a command: sent as an atom when it is one, else quoted or as a literal. */
export interface Arg {
  string: string;
}
export const arg = (string: string): Arg => ({ string });

export class ImapSession {
  private tag = 0;
  capabilities = new Set<string>();

  private constructor(
    private readonly wire: Wire,
    private readonly settings: ImapSettings,
  ) {}

  /** Connects, reads the greeting, upgrades with STARTTLS when asked, and logs in. */
  static async open(
    connect: Connect,
    signal: AbortSignal,
    settings: ImapSettings,
    username: string,
    password: string,
  ): Promise<ImapSession> {
    const wire = Wire.open(connect, settings.security === "tls" ? true : "starttls", {
      protocol: "imap",
      host: settings.host,
      port: settings.port,
      signal,
      timeoutMs: settings.timeoutMs,
    });
    const session = new ImapSession(wire, settings);
    try {
      const greeting = await session.response();
      if (!/^\* (OK|PREAUTH)\b/i.test(greeting.text)) {
        throw new NodeError("imap_unavailable", `The IMAP server did not greet: ${greeting.text.slice(0, 200)}`, session.details(), true);
      }
      if (settings.security === "starttls") {
        await session.loadCapabilities();
        if (!session.capabilities.has("STARTTLS")) {
          throw new NodeError(
            "imap_starttls_unavailable",
            `${settings.host}:${settings.port} does not offer STARTTLS; use port 993 (imap_security: tls)`,
            session.details(),
            false,
          );
        }
        await session.run(["STARTTLS"], "STARTTLS");
        wire.upgrade();
      }
      await session.run(["LOGIN", arg(username), arg(password)], "LOGIN");
      await session.loadCapabilities();
      return session;
    } catch (error) {
      await wire.close();
      throw error;
    }
  }

  /** Runs one command; resolves with its untagged responses, rejects with a NodeError on NO or BAD. */
  async run(parts: (string | Arg)[], step: string): Promise<ImapResponse[]> {
    const tag = `A${++this.tag}`;
    const pieces = [tag, ...parts];
    let line = "";
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      const separator = i === 0 ? "" : " ";
      if (typeof piece === "string") {
        line += separator + piece;
        continue;
      }
      const encoded = encodeArg(piece.string);
      if (typeof encoded === "string") {
        line += separator + encoded;
        continue;
      }
      // A literal: announce it, wait for the go-ahead, send the bytes; the command goes on after them.
      await this.wire.write(`${line}${separator}{${encoded.byteLength}}${CRLF}`);
      await this.continuation(step);
      await this.wire.write(encoded);
      line = "";
    }
    await this.wire.write(`${line}${CRLF}`);
    const untagged: ImapResponse[] = [];
    for (;;) {
      const response = await this.response();
      if (response.text.startsWith("* ")) {
        untagged.push(response);
        continue;
      }
      if (response.text.startsWith("+")) continue;
      const match = /^(\S+) (OK|NO|BAD)\b ?(.*)$/i.exec(response.text);
      if (!match || match[1] !== tag) {
        throw new NodeError("protocol_error", `The IMAP server sent '${response.text.slice(0, 100)}' during ${step}`, null, false);
      }
      if (match[2]!.toUpperCase() === "OK") return untagged;
      throw this.refusal(match[2]!.toUpperCase(), match[3] ?? "", step);
    }
  }

  /** LOGOUT, then closes the connection; never throws. */
  async close(): Promise<void> {
    await this.run(["LOGOUT"], "LOGOUT").catch(() => undefined);
    await this.wire.close();
  }

  details() {
    return { host: this.settings.host, port: this.settings.port };
  }

  private async loadCapabilities(): Promise<void> {
    const untagged = await this.run(["CAPABILITY"], "CAPABILITY");
    const line = untagged.find((r) => /^\* CAPABILITY /i.test(r.text));
    this.capabilities = new Set((line?.text.slice(13) ?? "").toUpperCase().split(/\s+/).filter(Boolean));
  }

  private async continuation(step: string): Promise<void> {
    for (;;) {
      const response = await this.response();
      if (response.text.startsWith("+")) return;
      if (response.text.startsWith("* ")) continue;
      const match = /^\S+ (NO|BAD)\b ?(.*)$/i.exec(response.text);
      if (match) throw this.refusal(match[1]!.toUpperCase(), match[2] ?? "", step);
      throw new NodeError("protocol_error", `The IMAP server sent '${response.text.slice(0, 100)}' instead of a go-ahead`, null, false);
    }
  }

  /** One response, its literals read. */
  private async response(): Promise<ImapResponse> {
    let text = "";
    const literals: Uint8Array[] = [];
    for (;;) {
      const line = await this.wire.readLine();
      const literal = /\{(\d+)\}$/.exec(line);
      if (!literal) return { text: text + line, literals };
      text += `${line.slice(0, literal.index)}\0${literals.length}\0`;
      literals.push(await this.wire.readBytes(Number(literal[1])));
    }
  }

  private refusal(status: string, said: string, step: string): NodeError {
    const details = { ...this.details(), step, response: said.slice(0, 300) };
    if (status === "NO" && (step === "LOGIN" || /^\[(AUTHENTICATIONFAILED|AUTHORIZATIONFAILED)\]/i.test(said))) {
      return new NodeError("imap_auth_failed", `The IMAP server refused the login: ${said}`, details, false);
    }
    if (/^\[(UNAVAILABLE|INUSE|LIMIT)\]/i.test(said)) {
      return new NodeError("imap_unavailable", `The IMAP server could not do ${step} now: ${said}`, details, true);
    }
    if (status === "BAD") return new NodeError("protocol_error", `The IMAP server did not understand ${step}: ${said}`, details, false);
    return new NodeError("imap_refused", `The IMAP server refused ${step}: ${said}`, details, false);
  }
}

/** An atom when the value is one, a quoted string when it is 7-bit text, else a literal's bytes. */
function encodeArg(value: string): string | Uint8Array {
  if (/^[A-Za-z0-9._@+-]+$/.test(value)) return value;
  if (/^[\x20-\x7e]*$/.test(value)) return `"${value.replace(/["\\]/g, "\\$&")}"`;
  return utf8(value);
}

/** Reads a response's text (after `* `) into tokens; `\0<n>\0` stands for literal n. */
export function tokens(response: ImapResponse, from = 0): Token[] {
  const { text, literals } = response;
  let i = from;
  const list = (): Token[] => {
    const out: Token[] = [];
    while (i < text.length) {
      const c = text[i]!;
      if (c === " ") i++;
      else if (c === "(" || c === "[") {
        i++;
        out.push(list());
      } else if (c === ")" || c === "]") {
        i++;
        return out;
      } else if (c === '"') {
        let value = "";
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\") i++;
          value += text[i++];
        }
        i++;
        out.push(value);
      } else if (c === "\0") {
        const end = text.indexOf("\0", i + 1);
        out.push(literals[Number(text.slice(i + 1, end))] ?? new Uint8Array(0));
        i = end + 1;
      } else {
        const match = /^[^\s()[\]"\0]+/.exec(text.slice(i))!;
        i += match[0].length;
        out.push(match[0].toUpperCase() === "NIL" ? null : match[0]);
      }
    }
    return out;
  };
  return list();
}

/** IMAP's date for SEARCH SINCE/BEFORE (`1-Feb-2026`), the UTC day of the time. */
export function imapDate(ms: number): string {
  const date = new Date(ms);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${date.getUTCDate()}-${months[date.getUTCMonth()]}-${date.getUTCFullYear()}`;
}

/**
 * A mailbox name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): printable ASCII as is ("&" as "&-"),
 * other runs as UTF-16 in base64 with "," for "/" between "&" and "-".
 */
export function mailboxName(name: string): string {
  return name.replace(/&|[^\x20-\x7e]+/g, (run) => {
    if (run === "&") return "&-";
    const bytes: number[] = [];
    for (let i = 0; i < run.length; i++) bytes.push(run.charCodeAt(i) >> 8, run.charCodeAt(i) & 0xff);
    return `&${btoa(String.fromCharCode(...bytes))
      .replace(/=+$/, "")
      .replace(/\//g, ",")}-`;
  });
}

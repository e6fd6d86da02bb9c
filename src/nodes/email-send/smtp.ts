/**
 * An SMTP submission client over `ctx.connect` (RFC 5321, RFC 3207 STARTTLS, RFC 4954 AUTH with
 * PLAIN and LOGIN). Written here rather than taken from a library: the socket must be the node's
 * (its address policy, port 25 refused outside local development, its signal), the message is the
 * one mime.ts writes, and the few commands a submission needs are less code than adapting a client
 * built on `cloudflare:sockets` directly.
 *
 * One message per connection: EHLO, STARTTLS (then EHLO again), AUTH, MAIL FROM, one RCPT TO per
 * recipient, DATA with the message dot-stuffed, QUIT. A recipient refused fails the whole send (no
 * partial delivery). Replies become NodeErrors: 4xx retried, 5xx not.
 */
import { NodeError } from "../../engine/outcome";
import { base64Encode, utf8 } from "../../lib/encoding";
import type { Connect } from "../capabilities/socket";
import { CRLF } from "../../email/encoding";
import { Wire } from "../../email/wire";

export type SmtpSecurity = "starttls" | "tls" | "none";

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** Both or neither. */
  username?: string | undefined;
  password?: string | undefined;
  /** The mechanism to use; when absent, PLAIN if offered, else LOGIN. */
  auth?: "plain" | "login" | undefined;
  /** The name this client gives in EHLO. */
  clientName: string;
  timeoutMs: number;
}

export interface SmtpResult {
  /** The server's answer to the message (`250 2.0.0 Ok: queued as 4F…`), its text after the code. */
  response: string;
}

interface Reply {
  code: number;
  lines: string[];
}

export async function sendSmtp(
  connect: Connect,
  signal: AbortSignal,
  settings: SmtpSettings,
  envelope: { from: string; to: string[] },
  message: string,
): Promise<SmtpResult> {
  const wire = Wire.open(connect, settings.security === "tls" ? true : settings.security === "starttls" ? "starttls" : false, {
    protocol: "smtp",
    host: settings.host,
    port: settings.port,
    signal,
    timeoutMs: settings.timeoutMs,
  });
  const session = new Session(wire);
  try {
    await session.expect(await session.read(), [220], "greeting");
    let extensions = await session.hello(settings.clientName);
    if (settings.security === "starttls") {
      if (!extensions.has("STARTTLS")) {
        throw new NodeError(
          "smtp_starttls_unavailable",
          `${settings.host}:${settings.port} does not offer STARTTLS; use smtp_security: tls (port 465), or none for a server without TLS`,
          null,
          false,
        );
      }
      await session.expect(await session.command("STARTTLS"), [220], "STARTTLS");
      wire.upgrade();
      extensions = await session.hello(settings.clientName);
    }
    if (settings.username !== undefined && settings.password !== undefined) {
      await session.authenticate(extensions, settings.username, settings.password, settings.auth);
    }
    await session.expect(await session.command(`MAIL FROM:<${envelope.from}>`), [250], "MAIL FROM");
    for (const recipient of envelope.to) {
      await session.expect(await session.command(`RCPT TO:<${recipient}>`), [250, 251], `RCPT TO ${recipient}`);
    }
    await session.expect(await session.command("DATA"), [354], "DATA");
    await wire.write(`${dotStuff(message)}.${CRLF}`);
    const accepted = await session.expect(await session.read(), [250], "the message");
    // The message is accepted; a QUIT that goes wrong changes nothing.
    await session.command("QUIT").catch(() => undefined);
    return { response: accepted.lines.join(" ") };
  } finally {
    await wire.close();
  }
}

/** RFC 5321 §4.5.2: a line that starts with "." gets another; the message ends with CRLF before the final ".". */
export function dotStuff(message: string): string {
  const stuffed = message.replace(/(^|\r\n)\./g, "$1..");
  return stuffed.endsWith(CRLF) ? stuffed : stuffed + CRLF;
}

class Session {
  constructor(private readonly wire: Wire) {}

  /** A reply: lines `250-…` until `250 …`. */
  async read(): Promise<Reply> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.wire.readLine();
      const match = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!match) throw new NodeError("protocol_error", `The SMTP server sent '${line.slice(0, 100)}', which is not a reply`, null, false);
      lines.push(match[3]!);
      if (match[2] !== "-") return { code: Number(match[1]), lines };
    }
  }

  async command(line: string): Promise<Reply> {
    await this.wire.write(`${line}${CRLF}`);
    return this.read();
  }

  /** EHLO, and the extensions the server announced (upper-case keywords). */
  async hello(name: string): Promise<Set<string>> {
    const reply = await this.command(`EHLO ${name}`);
    if (reply.code !== 250) {
      // A server from before ESMTP: HELO, and no extensions (so no STARTTLS and no AUTH).
      await this.expect(await this.command(`HELO ${name}`), [250], "HELO");
      return new Set();
    }
    const extensions = new Set<string>();
    for (const line of reply.lines.slice(1)) {
      const [keyword, ...args] = line.trim().toUpperCase().split(/\s+/);
      if (keyword === "AUTH") for (const mechanism of args) extensions.add(`AUTH=${mechanism}`);
      if (keyword) extensions.add(keyword);
    }
    return extensions;
  }

  async authenticate(extensions: Set<string>, username: string, password: string, wanted: "plain" | "login" | undefined): Promise<void> {
    const offered = (["plain", "login"] as const).filter((m) => extensions.has(`AUTH=${m.toUpperCase()}`));
    const mechanism = wanted ?? offered[0];
    if (mechanism === undefined || !offered.includes(mechanism)) {
      const listed = [...extensions].filter((e) => e.startsWith("AUTH=")).map((e) => e.slice(5));
      throw new NodeError(
        "smtp_auth_unsupported",
        `The SMTP server offers AUTH ${listed.length > 0 ? listed.join(", ") : "not at all"}; ${
          wanted ? `${wanted.toUpperCase()} was asked for` : "PLAIN or LOGIN is needed"
        }`,
        { offered: listed },
        false,
      );
    }
    const b64 = (text: string) => base64Encode(utf8(text));
    if (mechanism === "plain") {
      await this.expect(await this.command(`AUTH PLAIN ${b64(`\0${username}\0${password}`)}`), [235], "AUTH PLAIN");
      return;
    }
    await this.expect(await this.command("AUTH LOGIN"), [334], "AUTH LOGIN");
    await this.expect(await this.command(b64(username)), [334], "AUTH LOGIN");
    await this.expect(await this.command(b64(password)), [235], "AUTH LOGIN");
  }

  /** The reply when its code is one of `ok`; else the NodeError it stands for. */
  async expect(reply: Reply, ok: number[], step: string): Promise<Reply> {
    if (ok.includes(reply.code)) return reply;
    throw smtpError(reply, step);
  }
}

/**
 * 535 and 530 are refused credentials (not retried); 4xx is a temporary failure (retried); other
 * 5xx refusals are not retried. The server's words are kept (they never contain the password: it is
 * sent base64-encoded and servers do not echo it).
 */
function smtpError(reply: Reply, step: string): NodeError {
  const said = reply.lines.join(" ").trim();
  const details = { smtp_code: reply.code, step, response: said };
  if (reply.code === 535 || reply.code === 530 || reply.code === 534) {
    return new NodeError("smtp_auth_failed", `The SMTP server refused the login (${reply.code} ${said})`, details, false);
  }
  if (reply.code >= 400 && reply.code < 500) {
    return new NodeError("smtp_temporary_failure", `The SMTP server answered ${step} with ${reply.code} ${said}`, details, true);
  }
  return new NodeError("smtp_rejected", `The SMTP server refused ${step}: ${reply.code} ${said}`, details, false);
}

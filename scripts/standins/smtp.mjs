// A local SMTP server for tests, benchmarks and `npm start -- --standins`: `smtp-server` (npm) with
// three listeners on 127.0.0.1, the certificates from the local CA (local-ca.mjs):
//
//   plain      no TLS, no AUTH (a relay that trusts its network)
//   starttls   STARTTLS required before AUTH (PLAIN, LOGIN, CRAM-MD5 offered), as on port 587
//   tls        TLS from the first byte, AUTH PLAIN and LOGIN, as on port 465
//
// Every message it accepts is parsed with mailparser (a MIME parser independent of the one the
// Worker uses) and kept with its envelope, how it arrived (listener, TLS, AUTH method and user) and
// the raw text. An HTTP endpoint shows them:
//
//   GET /             {host, ports: {plain, starttls, tls}, user}
//   GET /messages?rcpt=<address>   the messages whose envelope names that recipient, oldest first
//
// Recipients script failures, by local part: reject@… gets 550 at RCPT TO, busy@… 451 at RCPT TO,
// toolarge@… 552 after DATA. Any other address is accepted.
//
// Run alone:  node scripts/standins/smtp.mjs [http-port]   (default 8792; SMTP on 2525, 2587, 2465)
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { localCa } from "./local-ca.mjs";

export const SMTP_USER = "mailer";
/** Not ASCII on purpose: AUTH must send the password's UTF-8 bytes. */
export const SMTP_PASSWORD = "pässwörd-✓-smtp";
/** Where `npm start` puts the listeners (the HTTP port is the registry's). */
export const FIXED_SMTP_PORTS = { plain: 2525, starttls: 2587, tls: 2465 };

const MAX_MESSAGES = 2000;

/**
 * @param {{ port?: number, host?: string, smtpPorts?: {plain: number, starttls: number, tls: number} }} [options]
 */
export async function startSmtpStandin({ port = 0, host = "127.0.0.1", smtpPorts } = {}) {
  const tls = localCa();
  /** @type {object[]} */
  const messages = [];
  const listeners = {
    plain: { authOptional: true, disabledCommands: ["AUTH", "STARTTLS"] },
    starttls: { authMethods: ["PLAIN", "LOGIN", "CRAM-MD5"], key: tls.key, cert: tls.cert },
    tls: { secure: true, authMethods: ["PLAIN", "LOGIN"], key: tls.key, cert: tls.cert },
  };
  const servers = {};
  const ports = {};
  try {
    for (const [name, options] of Object.entries(listeners)) {
      servers[name] = smtpServer(name, options);
      ports[name] = await listen(servers[name], smtpPorts?.[name] ?? 0, host);
    }
  } catch (error) {
    await Promise.all(Object.values(servers).map((server) => new Promise((resolve) => server.close(resolve))));
    throw error;
  }

  function smtpServer(listener, options) {
    const server = new SMTPServer({
      ...options,
      name: "smtp.standin.test",
      banner: "FlowRunner SMTP stand-in",
      logger: false,
      // No reverse DNS lookup of the client. smtp-server still holds each greeting 100 ms (to catch
      // clients that talk too soon), which is part of every SMTP send's time against this server.
      disableReverseLookup: true,
      size: 10 * 1024 * 1024,
      onAuth(auth, session, callback) {
        const password = auth.method === "CRAM-MD5" ? auth.validatePassword(SMTP_PASSWORD) : auth.password === SMTP_PASSWORD;
        if (auth.username !== SMTP_USER || !password) {
          return callback(Object.assign(new Error("Authentication credentials invalid"), { responseCode: 535 }));
        }
        callback(null, { user: { name: auth.username, method: auth.method } });
      },
      onMailFrom(address, session, callback) {
        if (listener !== "plain" && !session.user) {
          return callback(Object.assign(new Error("Authentication required"), { responseCode: 530 }));
        }
        callback();
      },
      onRcptTo(address, session, callback) {
        const local = address.address.split("@")[0]?.toLowerCase();
        if (local === "reject") return callback(Object.assign(new Error("5.1.1 No such user here"), { responseCode: 550 }));
        if (local === "busy") return callback(Object.assign(new Error("4.3.0 Mailbox busy, try again later"), { responseCode: 451 }));
        callback();
      },
      onData(stream, session, callback) {
        const chunks = [];
        stream.on("data", (chunk) => chunks.push(chunk));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks);
          if (stream.sizeExceeded) return callback(Object.assign(new Error("Message too big"), { responseCode: 552 }));
          if (session.envelope.rcptTo.some((rcpt) => rcpt.address.toLowerCase().startsWith("toolarge@"))) {
            return callback(Object.assign(new Error("5.3.4 Message too big for this mailbox"), { responseCode: 552 }));
          }
          keep(listener, session, raw).then(
            (id) => callback(null, `Message queued as ${id}`),
            (error) => callback(error),
          );
        });
      },
    });
    server.on("error", () => undefined);
    return server;
  }

  async function keep(listener, session, raw) {
    const parsed = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true });
    const id = `standin-${messages.length + 1}`;
    const addresses = (value) => (value ? (Array.isArray(value) ? value : [value]).flatMap((group) => group.value) : []);
    messages.push({
      id,
      listener,
      secure: session.secure,
      auth: session.user ? { username: session.user.name, method: session.user.method } : null,
      envelope: { from: session.envelope.mailFrom?.address ?? null, to: session.envelope.rcptTo.map((r) => r.address) },
      message_id: parsed.messageId ?? null,
      subject: parsed.subject ?? null,
      from: addresses(parsed.from),
      to: addresses(parsed.to),
      cc: addresses(parsed.cc),
      reply_to: addresses(parsed.replyTo),
      date: parsed.date?.toISOString() ?? null,
      headers: Object.fromEntries(parsed.headerLines.map((line) => [line.key, line.line.slice(line.line.indexOf(":") + 1).trim()])),
      text: parsed.text ?? null,
      html: typeof parsed.html === "string" ? parsed.html : null,
      attachments: parsed.attachments.map((a) => ({
        filename: a.filename ?? null,
        content_type: a.contentType,
        size: a.size,
        content_base64: a.content.toString("base64"),
      })),
      raw: raw.toString("utf8"),
      // The longest line, CRLF excluded: RFC 5322 caps it at 998.
      longest_line: Math.max(
        ...raw
          .toString("latin1")
          .split("\r\n")
          .map((line) => line.length),
      ),
    });
    if (messages.length > MAX_MESSAGES) messages.shift();
    return id;
  }

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://standin");
    const json = (status, body) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && url.pathname === "/") return json(200, { host, ports, user: SMTP_USER });
    if (req.method === "GET" && url.pathname === "/messages") {
      const rcpt = url.searchParams.get("rcpt")?.toLowerCase();
      if (!rcpt) return json(400, { error: "rcpt is required" });
      return json(200, { messages: messages.filter((m) => m.envelope.to.some((to) => to.toLowerCase() === rcpt)) });
    }
    json(404, { error: `no route ${req.method} ${url.pathname}` });
  });
  await new Promise((resolve) => http.listen(port, host, resolve));

  return {
    url: `http://${host}:${http.address().port}`,
    host,
    ports,
    async close() {
      http.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => http.close(() => resolve())),
        ...Object.values(servers).map((server) => new Promise((resolve) => server.close(() => resolve()))),
      ]);
    },
  };
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, host, () => {
      server.server.off("error", reject);
      resolve(server.server.address().port);
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const standin = await startSmtpStandin({ port: Number(process.argv[2] ?? 8792), smtpPorts: FIXED_SMTP_PORTS });
  console.log(`SMTP stand-in: ${JSON.stringify(standin.ports)}; messages at ${standin.url}/messages?rcpt=<address>`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => standin.close().then(() => process.exit(0)));
}

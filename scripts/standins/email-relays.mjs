/* global Request -- Node 22's fetch API */
// Local stand-ins for the email relay APIs, one HTTP server with a route prefix per provider (a
// flow's base_url is `<url>/<provider>`). Each checks what its API reference documents — path,
// method, auth header, body shape — and answers as the provider does, refusing a malformed request
// with the provider's own error body:
//
//   POST /resend/emails                         Bearer re_standin; JSON; an Idempotency-Key seen before replays
//                                               its answer (409 when the payload differs)
//   POST /sendgrid/v3/mail/send                 Bearer SG.standin; JSON personalizations; 202 + X-Message-Id
//   POST /mailgun/v3/<domain>/messages.mime     Basic api:key-standin; multipart `to` + `message` (MIME)
//   POST /postmark/email                        X-Postmark-Server-Token: postmark-standin
//   POST /ses/v2/email/outbound-emails          SigV4 (AKIDSTANDIN / standin-secret, service ses), recomputed
//
// MIME (Mailgun's `message`, SES's Raw data) is parsed with mailparser. Recipients script failures, by
// local part: ratelimited@… gets 429 with Retry-After: 2, unavailable@… 503, rejected@… the
// provider's validation error, flaky…@… 503 the first time that address is seen and success after.
//
//   GET /_standin/messages?rcpt=<address>   what was accepted for that recipient, oldest first, with the
//                                           time the stand-in spent on it (handled_ms)
//
// Run alone:  node scripts/standins/email-relays.mjs [port]   (default 8793)
import { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { AwsV4Signer } from "aws4fetch";
import { simpleParser } from "mailparser";

export const RELAY_KEYS = {
  resend: "re_standin",
  sendgrid: "SG.standin",
  mailgun: "key-standin",
  postmark: "postmark-standin",
  ses: { accessKeyId: "AKIDSTANDIN", secretAccessKey: "standin-secret" },
};

const MAX_MESSAGES = 2000;
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const isBase64 = (v) => typeof v === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;
const localPart = (address) => String(address).replace(/^.*</, "").split("@")[0].toLowerCase();
const bare = (address) =>
  String(address)
    .replace(/^.*<([^>]*)>\s*$/, "$1")
    .trim();

/** A refusal: thrown by a route, answered by the server. */
class Answer extends Error {
  constructor(status, body, headers = {}) {
    super(`answer ${status}`);
    Object.assign(this, { status, body, headers });
  }
}

/** Per provider: its error body for a status and message. */
const ERRORS = {
  resend: (status, message) => ({
    statusCode: status,
    name:
      status === 429
        ? "rate_limit_exceeded"
        : status >= 500
          ? "application_error"
          : status === 401
            ? "missing_api_key"
            : status === 403
              ? "invalid_api_key"
              : "validation_error",
    message,
  }),
  sendgrid: (status, message, field = null) => ({ errors: [{ message, field, help: null }] }),
  mailgun: (status, message) => ({ message }),
  postmark: (status, message) => ({ ErrorCode: status === 401 ? 10 : status === 429 ? 429 : status >= 500 ? 500 : 300, Message: message }),
  ses: (status, message) => ({ message }),
};
const SES_TYPES = {
  400: "BadRequestException",
  403: "SignatureDoesNotMatch",
  429: "TooManyRequestsException",
  503: "ServiceUnavailable",
  500: "InternalFailure",
};

export async function startEmailRelaysStandin({ port = 0, host = "127.0.0.1" } = {}) {
  const messages = [];
  const seen = new Set();
  const idempotent = new Map();

  const fail = (provider, status, message, extra = {}) => {
    const headers =
      provider === "ses"
        ? { "x-amzn-ErrorType": `${SES_TYPES[status] ?? "BadRequestException"}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` }
        : {};
    return new Answer(status, ERRORS[provider](status, message), { ...headers, ...extra });
  };
  const check = (provider, condition, message, status = provider === "resend" || provider === "postmark" ? 422 : 400) => {
    if (!condition) throw fail(provider, status, message);
  };

  /** The scripted failures, by recipient. */
  function scripted(provider, recipients) {
    for (const rcpt of recipients.map((r) => bare(r).toLowerCase())) {
      const local = localPart(rcpt);
      if (local === "ratelimited") throw fail(provider, 429, "Too many requests, slow down", { "Retry-After": "2" });
      if (local === "unavailable") throw fail(provider, 503, "Service temporarily unavailable");
      if (local === "rejected")
        throw fail(provider, provider === "resend" || provider === "postmark" ? 422 : 400, `The recipient ${rcpt} is not allowed`);
      if (local.startsWith("flaky") && !seen.has(rcpt)) {
        seen.add(rcpt);
        throw fail(provider, 503, "Service temporarily unavailable (first try)");
      }
    }
  }

  async function keep(provider, request, recipients, fields) {
    const id = randomUUID();
    messages.push({
      provider,
      id,
      received_at: new Date().toISOString(),
      handled_ms: Number((performance.now() - request.received).toFixed(3)),
      headers: request.headers,
      recipients: recipients.map(bare),
      ...fields,
    });
    if (messages.length > MAX_MESSAGES) messages.shift();
    return id;
  }

  async function mime(raw) {
    const parsed = await simpleParser(raw);
    const list = (v) => (v ? (Array.isArray(v) ? v : [v]).flatMap((g) => g.value) : []);
    return {
      message_id: parsed.messageId ?? null,
      subject: parsed.subject ?? null,
      from: list(parsed.from),
      to: list(parsed.to),
      cc: list(parsed.cc),
      text: parsed.text ?? null,
      html: typeof parsed.html === "string" ? parsed.html : null,
      has_bcc_header: parsed.headers.has("bcc"),
      attachments: parsed.attachments.map((a) => ({
        filename: a.filename,
        content_type: a.contentType,
        content_base64: a.content.toString("base64"),
      })),
    };
  }

  const routes = {
    async resend(request) {
      const auth = /^Bearer (.+)$/.exec(request.headers.authorization ?? "");
      if (!auth) throw fail("resend", 401, "Missing API key in the authorization header");
      if (auth[1] !== RELAY_KEYS.resend) throw fail("resend", 403, "API key is invalid");
      check("resend", request.path === "/emails", `Unknown route ${request.path}`, 404);
      const body = request.json;
      check("resend", isObject(body), "The body must be a JSON object");
      const known = ["from", "to", "subject", "bcc", "cc", "reply_to", "html", "text", "headers", "attachments", "tags", "scheduled_at"];
      const unknown = Object.keys(body).filter((k) => !known.includes(k));
      check("resend", unknown.length === 0, `Unknown field(s): ${unknown.join(", ")}`);
      check("resend", typeof body.from === "string" && body.from.includes("@"), "The `from` field is required");
      const to = typeof body.to === "string" ? [body.to] : body.to;
      check("resend", Array.isArray(to) && to.length > 0 && to.length <= 50, "The `to` field must be an address or a list of 1 to 50");
      check("resend", typeof body.subject === "string", "The `subject` field is required");
      check("resend", typeof body.html === "string" || typeof body.text === "string", "Either `html` or `text` is required");
      check(
        "resend",
        body.headers === undefined || (isObject(body.headers) && Object.values(body.headers).every((v) => typeof v === "string")),
        "`headers` must map names to strings",
      );
      for (const a of body.attachments ?? []) {
        check(
          "resend",
          isObject(a) && typeof a.filename === "string" && isBase64(a.content),
          "Each attachment needs a filename and base64 content",
        );
      }
      const key = request.headers["idempotency-key"];
      check("resend", key === undefined || (key.length >= 1 && key.length <= 256), "The idempotency key must be 1-256 characters");
      const replay = key === undefined ? undefined : idempotent.get(`resend:${key}`);
      if (replay) {
        check("resend", replay.body === request.raw.toString("utf8"), "Same idempotency key used with a different request payload", 409);
        return { status: 200, body: { id: replay.id } };
      }
      const recipients = [...to, ...[body.cc ?? []].flat(), ...[body.bcc ?? []].flat()];
      scripted("resend", recipients);
      const id = await keep("resend", request, recipients, { body });
      if (key !== undefined) idempotent.set(`resend:${key}`, { id, body: request.raw.toString("utf8") });
      return { status: 200, body: { id } };
    },

    async sendgrid(request) {
      if (request.headers.authorization !== `Bearer ${RELAY_KEYS.sendgrid}`) {
        throw fail("sendgrid", 401, "The provided authorization grant is invalid, expired, or revoked");
      }
      check("sendgrid", request.path === "/v3/mail/send", `Unknown route ${request.path}`, 404);
      const body = request.json;
      check("sendgrid", isObject(body), "Bad Request", 400);
      const people = (list) => {
        check(
          "sendgrid",
          Array.isArray(list) && list.every((p) => isObject(p) && typeof p.email === "string" && p.email.includes("@")),
          "Invalid email address",
          400,
        );
        return list.map((p) => p.email.toLowerCase());
      };
      check(
        "sendgrid",
        Array.isArray(body.personalizations) && body.personalizations.length >= 1,
        "The personalizations field is required and must have at least one personalization.",
      );
      const recipients = [];
      for (const p of body.personalizations) {
        check(
          "sendgrid",
          isObject(p) && Array.isArray(p.to) && p.to.length > 0,
          "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
        );
        const all = [...people(p.to), ...(p.cc ? people(p.cc) : []), ...(p.bcc ? people(p.bcc) : [])];
        check(
          "sendgrid",
          new Set(all).size === all.length,
          "Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [" +
            all.find((e, i) => all.indexOf(e) !== i) +
            "] in the personalizations.0.to field.",
        );
        recipients.push(...all);
      }
      check(
        "sendgrid",
        isObject(body.from) && typeof body.from.email === "string",
        "The from object must be provided for every email send.",
      );
      check("sendgrid", typeof body.subject === "string" && body.subject !== "", "The subject is required.");
      check(
        "sendgrid",
        Array.isArray(body.content) &&
          body.content.length > 0 &&
          body.content.every((c) => isObject(c) && typeof c.type === "string" && typeof c.value === "string"),
        "The content value must be a string at least one character in length.",
      );
      const plain = body.content.findIndex((c) => c.type === "text/plain");
      check("sendgrid", plain <= 0, "If present, text/plain must be first, followed by any other content.");
      const reserved = [
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "content-type",
        "content-transfer-encoding",
        "to",
        "from",
        "subject",
        "reply-to",
        "cc",
        "bcc",
      ];
      check(
        "sendgrid",
        body.headers === undefined ||
          (isObject(body.headers) && Object.keys(body.headers).every((h) => !reserved.includes(h.toLowerCase()))),
        "headers contain a reserved header",
      );
      for (const a of body.attachments ?? [])
        check(
          "sendgrid",
          isObject(a) && typeof a.filename === "string" && isBase64(a.content),
          "The attachment content must be base64 encoded.",
        );
      scripted("sendgrid", recipients);
      const id = await keep("sendgrid", request, recipients, { body });
      return { status: 202, body: "", headers: { "X-Message-Id": id.replaceAll("-", "").slice(0, 22) } };
    },

    async mailgun(request) {
      const expected = `Basic ${Buffer.from(`api:${RELAY_KEYS.mailgun}`).toString("base64")}`;
      if (request.headers.authorization !== expected) return { status: 401, body: "Forbidden", text: true };
      const route = /^\/v3\/([a-z0-9.-]+)\/messages\.mime$/.exec(request.path);
      check("mailgun", route, `Unknown route ${request.path}`, 404);
      check(
        "mailgun",
        /^multipart\/form-data; *boundary=/i.test(request.headers["content-type"] ?? ""),
        "Content-Type must be multipart/form-data",
      );
      const form = await new Request("http://standin/", {
        method: "POST",
        headers: { "content-type": request.headers["content-type"] },
        body: request.raw,
      }).formData();
      const to = form.getAll("to").map(String);
      check("mailgun", to.length > 0, "to parameter is missing");
      const file = form.get("message");
      check("mailgun", file && typeof file !== "string", "message parameter is missing (a MIME file)");
      const parsed = await mime(Buffer.from(await file.arrayBuffer()));
      check("mailgun", parsed.from.length === 1, "The MIME message has no valid From");
      scripted("mailgun", to);
      await keep("mailgun", request, to, { domain: route[1], mime: parsed });
      return { status: 200, body: { id: parsed.message_id, message: "Queued. Thank you." } };
    },

    async postmark(request) {
      if (request.headers["x-postmark-server-token"] !== RELAY_KEYS.postmark) {
        throw fail("postmark", 401, "Request does not contain a valid Server token.");
      }
      check("postmark", request.path === "/email", `Unknown route ${request.path}`, 404);
      check("postmark", /application\/json/.test(request.headers.accept ?? ""), "The Accept header must be application/json", 406);
      const body = request.json;
      check("postmark", isObject(body), "Invalid JSON");
      check("postmark", typeof body.From === "string" && body.From.includes("@"), "Invalid 'From' address");
      check("postmark", typeof body.To === "string" && body.To.includes("@"), "Invalid 'To' address");
      check(
        "postmark",
        typeof body.TextBody === "string" || typeof body.HtmlBody === "string",
        "Provide either email TextBody or HtmlBody or both.",
      );
      check(
        "postmark",
        body.Headers === undefined ||
          (Array.isArray(body.Headers) &&
            body.Headers.every((h) => isObject(h) && typeof h.Name === "string" && typeof h.Value === "string")),
        "Headers must be a list of {Name, Value}",
      );
      for (const a of body.Attachments ?? [])
        check(
          "postmark",
          isObject(a) && typeof a.Name === "string" && isBase64(a.Content) && typeof a.ContentType === "string",
          "Attachments need Name, Content (base64) and ContentType",
        );
      const split = (v) => (typeof v === "string" && v !== "" ? v.split(",").map((s) => s.trim()) : []);
      const recipients = [...split(body.To), ...split(body.Cc), ...split(body.Bcc)];
      check("postmark", recipients.length <= 50, "Maximum of 50 recipients allowed.");
      scripted("postmark", recipients);
      const id = await keep("postmark", request, recipients, { body });
      return { status: 200, body: { To: body.To, SubmittedAt: new Date().toISOString(), MessageID: id, ErrorCode: 0, Message: "OK" } };
    },

    async ses(request) {
      await verifySigV4(request);
      check("ses", request.path === "/v2/email/outbound-emails", `Unknown route ${request.path}`, 404);
      const body = request.json;
      check("ses", isObject(body) && isObject(body.Content), "Content is required");
      check("ses", isObject(body.Content.Raw) && isBase64(body.Content.Raw.Data), "Content.Raw.Data must be base64");
      const d = body.Destination ?? {};
      const recipients = [...(d.ToAddresses ?? []), ...(d.CcAddresses ?? []), ...(d.BccAddresses ?? [])];
      check("ses", recipients.length > 0 && recipients.length <= 50, "Destination must name 1 to 50 recipients");
      const parsed = await mime(Buffer.from(body.Content.Raw.Data, "base64"));
      check("ses", parsed.from.length === 1, "Illegal address: the raw message has no From");
      scripted("ses", recipients);
      const id = await keep("ses", request, recipients, { body, mime: parsed });
      return { status: 200, body: { MessageId: `0100${id.replaceAll("-", "")}-000000` } };
    },
  };

  /** Recomputes the AWS Signature Version 4 the client sent, with the credentials known here. */
  async function verifySigV4(request) {
    const auth =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        request.headers.authorization ?? "",
      );
    if (!auth) throw fail("ses", 403, "Missing or malformed Authorization header (AWS4-HMAC-SHA256)");
    const [, accessKeyId, , region, service, signedHeaders, signature] = auth;
    if (accessKeyId !== RELAY_KEYS.ses.accessKeyId) throw fail("ses", 403, "The security token included in the request is invalid.");
    if (service !== "ses") throw fail("ses", 403, `Credential should be scoped to correct service: 'ses', not '${service}'`);
    const datetime = request.headers["x-amz-date"];
    if (!datetime) throw fail("ses", 403, "Missing X-Amz-Date");
    const headers = Object.fromEntries(signedHeaders.split(";").map((name) => [name, request.headers[name] ?? ""]));
    const signer = new AwsV4Signer({
      method: request.method,
      url: `http://${request.headers.host}${request.url}`,
      headers,
      body: request.raw.toString("utf8"),
      accessKeyId,
      secretAccessKey: RELAY_KEYS.ses.secretAccessKey,
      service,
      region,
      datetime,
    });
    if ((await signer.signature()) !== signature) {
      throw fail("ses", 403, "The request signature we calculated does not match the signature you provided.");
    }
  }

  const server = createServer((req, res) => {
    const received = performance.now();
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      handle(req, raw, received).then(
        (answer) => send(res, answer),
        (error) => send(res, error instanceof Answer ? error : { status: 500, body: { message: String(error?.message ?? error) } }),
      );
    });
  });

  function send(res, { status, body, headers = {}, text = false }) {
    const payload = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "Content-Type": text ? "text/plain" : "application/json", ...headers });
    res.end(payload);
  }

  async function handle(req, raw, received) {
    const url = new URL(req.url ?? "/", "http://standin");
    if (req.method === "GET" && url.pathname === "/_standin/messages") {
      const rcpt = url.searchParams.get("rcpt")?.toLowerCase();
      return { status: 200, body: { messages: messages.filter((m) => m.recipients.some((r) => r.toLowerCase() === rcpt)) } };
    }
    const [, provider, ...rest] = url.pathname.split("/");
    const route = routes[provider];
    if (!route || req.method !== "POST") return { status: 404, body: { message: `No route ${req.method} ${url.pathname}` } };
    let json;
    if (/json/.test(req.headers["content-type"] ?? "")) {
      try {
        json = JSON.parse(raw.toString("utf8"));
      } catch {
        throw fail(provider, 400, "The body is not valid JSON");
      }
    }
    return route({ method: req.method, url: req.url, path: `/${rest.join("/")}`, headers: req.headers, raw, json, received });
  }

  await new Promise((resolve) => server.listen(port, host, resolve));
  return {
    url: `http://${host}:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const standin = await startEmailRelaysStandin({ port: Number(process.argv[2] ?? 8793) });
  console.log(`Email relay stand-ins on ${standin.url}/{resend,sendgrid,mailgun,postmark,ses}`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => standin.close().then(() => process.exit(0)));
}

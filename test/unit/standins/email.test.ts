/** The email stand-ins refuse what the real services refuse: malformed relay requests, bad signatures, AUTH before TLS. */
import { connect } from "node:net";
import { AwsClient } from "aws4fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELAY_KEYS, startEmailRelaysStandin, type EmailRelaysStandin } from "../../../scripts/standins/email-relays.mjs";
import { startSmtpStandin, type SmtpStandin } from "../../../scripts/standins/smtp.mjs";

let relays: EmailRelaysStandin;
let smtp: SmtpStandin;
beforeAll(async () => {
  [relays, smtp] = await Promise.all([startEmailRelaysStandin(), startSmtpStandin()]);
});
afterAll(() => Promise.all([relays.close(), smtp.close()]));

const post = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`${relays.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("relay stand-ins", () => {
  it("Resend: refuses a missing key, unknown fields and a body without text or html, in Resend's error shape", async () => {
    const ok = { from: "a@example.com", to: "b@example.com", subject: "s", text: "t" };
    expect((await post("/resend/emails", ok, {})).status).toBe(401);
    const unknown = await post("/resend/emails", { ...ok, attachements: [] }, { Authorization: `Bearer ${RELAY_KEYS.resend}` });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({
      statusCode: 422,
      name: "validation_error",
      message: expect.stringContaining("attachements"),
    });
    const { text: _text, ...noBody } = ok;
    expect((await post("/resend/emails", noBody, { Authorization: `Bearer ${RELAY_KEYS.resend}` })).status).toBe(422);
    expect((await post("/resend/emails", ok, { Authorization: `Bearer ${RELAY_KEYS.resend}` })).status).toBe(200);
  });

  it("Resend: the same Idempotency-Key with another payload is a 409", async () => {
    const headers = { Authorization: `Bearer ${RELAY_KEYS.resend}`, "Idempotency-Key": `k-${Date.now()}` };
    const first = await post("/resend/emails", { from: "a@example.com", to: "b@example.com", subject: "one", text: "t" }, headers);
    expect(first.status).toBe(200);
    expect((await post("/resend/emails", { from: "a@example.com", to: "b@example.com", subject: "two", text: "t" }, headers)).status).toBe(
      409,
    );
  });

  it("SendGrid: refuses html before text and an address twice across to and cc", async () => {
    const auth = { Authorization: `Bearer ${RELAY_KEYS.sendgrid}` };
    const base = { personalizations: [{ to: [{ email: "b@example.com" }] }], from: { email: "a@example.com" }, subject: "s" };
    const order = await post(
      "/sendgrid/v3/mail/send",
      {
        ...base,
        content: [
          { type: "text/html", value: "h" },
          { type: "text/plain", value: "t" },
        ],
      },
      auth,
    );
    expect(order.status).toBe(400);
    expect(await order.json()).toMatchObject({ errors: [{ message: expect.stringContaining("text/plain must be first") }] });
    const twice = await post(
      "/sendgrid/v3/mail/send",
      {
        ...base,
        personalizations: [{ to: [{ email: "b@example.com" }], cc: [{ email: "B@example.com" }] }],
        content: [{ type: "text/plain", value: "t" }],
      },
      auth,
    );
    expect(twice.status).toBe(400);
  });

  it("Postmark: refuses a wrong token with ErrorCode 10", async () => {
    const res = await post(
      "/postmark/email",
      { From: "a@example.com", To: "b@example.com", TextBody: "t" },
      { Accept: "application/json", "X-Postmark-Server-Token": "nope" },
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ErrorCode: 10 });
  });

  it("Mailgun: refuses a wrong key with a plain Forbidden, and a form without the MIME message", async () => {
    const form = new FormData();
    form.append("to", "b@example.com");
    const wrong = await fetch(`${relays.url}/mailgun/v3/mg.example.com/messages.mime`, {
      method: "POST",
      headers: { Authorization: `Basic ${btoa("api:nope")}` },
      body: form,
    });
    expect([wrong.status, await wrong.text()]).toEqual([401, "Forbidden"]);
    const missing = await fetch(`${relays.url}/mailgun/v3/mg.example.com/messages.mime`, {
      method: "POST",
      headers: { Authorization: `Basic ${btoa(`api:${RELAY_KEYS.mailgun}`)}` },
      body: form,
    });
    expect(missing.status).toBe(400);
  });

  it("SES: accepts a request signed for service ses, and refuses another service's scope, a wrong secret and a changed body", async () => {
    const url = `${relays.url}/ses/v2/email/outbound-emails`;
    const body = JSON.stringify({
      FromEmailAddress: "a@example.com",
      Destination: { ToAddresses: ["b@example.com"] },
      Content: { Raw: { Data: btoa("From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\n\r\nhi\r\n") } },
    });
    const signed = (secretAccessKey: string, service = "ses") =>
      new AwsClient({ accessKeyId: RELAY_KEYS.ses.accessKeyId, secretAccessKey, service, region: "eu-west-1" }).sign(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
    expect((await fetch(await signed(RELAY_KEYS.ses.secretAccessKey))).status).toBe(200);
    const wrongService = await fetch(await signed(RELAY_KEYS.ses.secretAccessKey, "email"));
    expect(wrongService.status).toBe(403);
    const wrongSecret = await fetch(await signed("not-the-secret"));
    expect(wrongSecret.status).toBe(403);
    expect(wrongSecret.headers.get("x-amzn-errortype")).toMatch(/^SignatureDoesNotMatch:/);
    const good = await signed(RELAY_KEYS.ses.secretAccessKey);
    const tampered = await fetch(url, { method: "POST", headers: good.headers, body: body.replace("b@example.com", "c@example.com") });
    expect(tampered.status).toBe(403);
  });
});

describe("SMTP stand-in", () => {
  /** Sends lines one by one and returns every reply line. */
  async function converse(port: number, commands: string[]): Promise<string[]> {
    const socket = connect(port, "127.0.0.1");
    const replies: string[] = [];
    let buffer = "";
    return new Promise((resolve, reject) => {
      socket.on("error", reject);
      socket.on("close", () => resolve(replies));
      socket.on("data", (chunk) => {
        buffer += chunk.toString();
        let end: number;
        while ((end = buffer.indexOf("\r\n")) >= 0) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          replies.push(line);
          if (/^\d{3} /.test(line)) {
            const next = commands.shift();
            if (next === undefined) socket.end();
            else socket.write(`${next}\r\n`);
          }
        }
      });
    });
  }

  it("offers STARTTLS and refuses AUTH and MAIL before it on the STARTTLS listener", async () => {
    const replies = await converse(smtp.ports.starttls, [
      "EHLO test",
      `AUTH PLAIN ${btoa("\0mailer\0x")}`,
      "MAIL FROM:<a@example.com>",
      "QUIT",
    ]);
    expect(replies).toContain("250-STARTTLS");
    expect(replies.some((line) => /^5\d\d /.test(line) && /STARTTLS|TLS/i.test(line))).toBe(true);
    expect(replies.some((line) => line.startsWith("530 "))).toBe(true);
  });
});

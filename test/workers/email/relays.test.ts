/**
 * `email.send` through the relay APIs, each reached at its local stand-in (scripts/standins/
 * email-relays.mjs), which checks the documented request shape and auth (for SES it recomputes the
 * SigV4 signature) and answers as the provider does, errors included.
 */
import { describe, expect, it } from "vitest";
import { mailbox, RELAY_KEYS, relayReceived, RELAYS, type RelayMessage } from "../../helpers/email-standins";
import { done, fail, run, secretVault } from "../nodes/helpers";

type Provider = "resend" | "sendgrid" | "mailgun" | "postmark" | "ses";
const PROVIDERS: Provider[] = ["resend", "sendgrid", "mailgun", "postmark", "ses"];

/** The account's secret holding each provider's key. */
const KEYS: Record<Provider, string> = {
  resend: RELAY_KEYS.resend,
  sendgrid: RELAY_KEYS.sendgrid,
  mailgun: RELAY_KEYS.mailgun,
  postmark: RELAY_KEYS.postmark,
  ses: RELAY_KEYS.ses.secretAccessKey,
};

function connection(provider: Provider): Record<string, unknown> {
  const base = { provider, base_url: `${RELAYS}/${provider}` };
  if (provider === "ses")
    return { ...base, region: "eu-west-1", access_key: RELAY_KEYS.ses.accessKeyId, secret_key: "${secrets.RELAY_KEY}" };
  if (provider === "mailgun") return { ...base, api_key: "${secrets.RELAY_KEY}", domain: "mg.example.com" };
  return { ...base, api_key: "${secrets.RELAY_KEY}" };
}

function spec(provider: Provider, params: Record<string, unknown>) {
  return {
    type: "email.send",
    params: { ...connection(provider), from: "Zoë Rapport <reports@example.com>", subject: "Report", body: "Hi", ...params },
  };
}

const deps = (provider: Provider, key = KEYS[provider]) => ({
  fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
  secrets: secretVault({ RELAY_KEY: key }),
});

const PDF = "JVBERi0xLjQKJcOkw7zDtsOfCg==";

/** A node id of its own: another visit, so another Message-ID and idempotency key than every other test's. */
const visit = () => ({ nodeId: `send_${crypto.randomUUID().slice(0, 8)}` });

describe.each(PROVIDERS)("email.send through %s", (provider) => {
  it("sends the message in the provider's documented shape and reports the provider's id", async () => {
    const [to, cc, bcc] = [mailbox("ada"), mailbox("bob"), mailbox("eve")];
    const { outcome } = await run(
      spec(provider, {
        to: `Ada Lovelace <${to}>`,
        cc,
        bcc,
        reply_to: "replies@example.com",
        subject: "Wöchentlicher Bericht 📈",
        body: "Grüße\n.\nend",
        html: "<p>Grüße</p>",
        headers: { "X-Report-Id": "42" },
        attachments: [{ filename: "report.pdf", content: PDF }],
      }),
      visit(),
      deps(provider),
    );
    const output = done(outcome).output as Record<string, string>;
    expect(output).toMatchObject({
      status: "sent",
      provider,
      message_id: expect.stringMatching(/^<[0-9a-f]{32}@example\.com>$/),
      provider_message_id: expect.any(String),
      to: [`Ada Lovelace <${to}>`],
      bcc: [bcc],
    });
    const [received] = await relayReceived(to);
    expect(received!.provider).toBe(provider);
    expect(received!.recipients.map((r) => r.toLowerCase())).toEqual([to, cc, bcc]);
    SHAPES[provider](received!, output, { to, cc, bcc });
    expect(await relayReceived(bcc)).toHaveLength(1);
  });

  it.for([
    ["ratelimited", "email_rate_limited", true, 429],
    ["unavailable", "email_unavailable", true, 503],
    ["rejected", "email_rejected", false, provider === "resend" || provider === "postmark" ? 422 : 400],
  ] as const)(
    "a %s@ recipient is %s (retryable: %s) with the provider's status, code and message",
    async ([local, code, retryable, status]) => {
      const { error } = await fail(spec(provider, { to: mailbox(local) }), visit(), deps(provider));
      expect(error).toMatchObject({
        code,
        retryable,
        details: expect.objectContaining({ provider, status, error: PROVIDER_CODES[provider][status] ?? null }),
      });
      expect(error.message).toContain(`${provider} answered ${status}`);
      expect((error.details as { message: string }).message).not.toBe("");
      if (status === 429) expect(error.details).toMatchObject({ retry_after_ms: 2000 });
    },
  );

  it("a wrong key is email_unauthorized, not retried, and the key shows nowhere", async () => {
    const wrong = `${KEYS[provider]}-wrong-0123456789`;
    const { error, logs } = await fail(spec(provider, { to: mailbox() }), visit(), deps(provider, wrong));
    expect(error).toMatchObject({ code: "email_unauthorized", retryable: false, details: expect.objectContaining({ provider }) });
    expect(JSON.stringify({ message: error.message, details: error.details, logs })).not.toContain(wrong);
  });
});

/** The provider's own error code for a status, as its stand-in answers (null where the API has none). */
const PROVIDER_CODES: Record<Provider, Record<number, string>> = {
  resend: { 429: "rate_limit_exceeded", 503: "application_error", 422: "validation_error" },
  sendgrid: {},
  mailgun: {},
  postmark: { 429: "429", 503: "500", 422: "300" },
  ses: { 429: "TooManyRequestsException", 503: "ServiceUnavailable", 400: "BadRequestException" },
};

type Shape = (received: RelayMessage, output: Record<string, string>, addresses: { to: string; cc: string; bcc: string }) => void;

/** What each provider's request must look like. */
const SHAPES: Record<Provider, Shape> = {
  resend: (received, output, { to, cc, bcc }) => {
    expect(received.headers.authorization).toBe(`Bearer ${RELAY_KEYS.resend}`);
    expect(received.headers["idempotency-key"]).toMatch(/^[0-9a-f]{32}$/);
    expect(received.body).toEqual({
      from: "Zoë Rapport <reports@example.com>",
      to: [`Ada Lovelace <${to}>`],
      cc: [cc],
      bcc: [bcc],
      reply_to: ["replies@example.com"],
      subject: "Wöchentlicher Bericht 📈",
      text: "Grüße\n.\nend",
      html: "<p>Grüße</p>",
      headers: { "Message-ID": output.message_id, "X-Report-Id": "42" },
      attachments: [{ filename: "report.pdf", content: PDF, content_type: "application/pdf" }],
    });
    expect(output.provider_message_id).toBe(received.id);
  },
  sendgrid: (received, output, { to, cc, bcc }) => {
    expect(received.body).toEqual({
      personalizations: [{ to: [{ email: to, name: "Ada Lovelace" }], cc: [{ email: cc }], bcc: [{ email: bcc }] }],
      from: { email: "reports@example.com", name: "Zoë Rapport" },
      reply_to: { email: "replies@example.com" },
      subject: "Wöchentlicher Bericht 📈",
      content: [
        { type: "text/plain", value: "Grüße\n.\nend" },
        { type: "text/html", value: "<p>Grüße</p>" },
      ],
      headers: { "Message-ID": output.message_id, "X-Report-Id": "42" },
      attachments: [{ content: PDF, filename: "report.pdf", type: "application/pdf", disposition: "attachment" }],
    });
    expect(output.provider_message_id).toMatch(/^[0-9a-f]{22}$/);
  },
  mailgun: (received, output, { to }) => {
    expect(received.mime).toMatchObject({
      message_id: output.message_id,
      subject: "Wöchentlicher Bericht 📈",
      from: [{ name: "Zoë Rapport", address: "reports@example.com" }],
      to: [{ name: "Ada Lovelace", address: to }],
      text: "Grüße\n.\nend",
      html: "<p>Grüße</p>",
      has_bcc_header: false,
      attachments: [{ filename: "report.pdf", content_type: "application/pdf", content_base64: PDF }],
    });
    expect(output.provider_message_id).toBe(output.message_id);
  },
  postmark: (received, output, { to, cc, bcc }) => {
    expect(received.body).toEqual({
      From: "Zoë Rapport <reports@example.com>",
      To: `Ada Lovelace <${to}>`,
      Cc: cc,
      Bcc: bcc,
      ReplyTo: "replies@example.com",
      Subject: "Wöchentlicher Bericht 📈",
      TextBody: "Grüße\n.\nend",
      HtmlBody: "<p>Grüße</p>",
      Headers: [
        { Name: "Message-ID", Value: output.message_id },
        { Name: "X-Report-Id", Value: "42" },
      ],
      Attachments: [{ Name: "report.pdf", Content: PDF, ContentType: "application/pdf" }],
    });
    expect(output.provider_message_id).toBe(received.id);
  },
  ses: (received, output, { to, cc, bcc }) => {
    expect(received.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDSTANDIN\/\d{8}\/eu-west-1\/ses\/aws4_request/);
    expect(received.body).toMatchObject({
      FromEmailAddress: "Zoë Rapport <reports@example.com>",
      Destination: { ToAddresses: [to], CcAddresses: [cc], BccAddresses: [bcc] },
      ReplyToAddresses: ["replies@example.com"],
    });
    expect(received.mime).toMatchObject({ message_id: output.message_id, subject: "Wöchentlicher Bericht 📈", has_bcc_header: false });
    expect(output.provider_message_id).toMatch(/^0100[0-9a-f]{32}-000000$/);
  },
};

describe("email.send idempotency", () => {
  it("a retried attempt of the same visit sends Resend the same Idempotency-Key, so the message goes out once", async () => {
    const to = mailbox();
    const { nodeId } = visit();
    const first = done((await run(spec("resend", { to }), { nodeId, attempt: 1 }, deps("resend"))).outcome).output as Record<
      string,
      string
    >;
    const second = done((await run(spec("resend", { to }), { nodeId, attempt: 2 }, deps("resend"))).outcome).output as Record<
      string,
      string
    >;
    expect(second.provider_message_id).toBe(first.provider_message_id);
    expect(second.message_id).toBe(first.message_id);
    expect(await relayReceived(to)).toHaveLength(1);
  });
});

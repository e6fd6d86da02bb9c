/**
 * `email.send` with provider: cloudflare, through the Worker's real `send_email` binding (Miniflare's
 * locally: it checks the message, keeps it in a local file and answers with a message id).
 */
import { env as testEnv } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bindingMessage } from "../../../src/nodes/email-send/cloudflare";
import type { EmailBinding, EmailBindingMessage } from "../../../src/nodes/capabilities/email";
import { done, fail, run } from "../nodes/helpers";

// wrangler.toml declares the binding; the type makes every binding optional.
const env = { EMAIL: testEnv.EMAIL! };

const params = {
  provider: "cloudflare",
  from: "Zoë Rapport <reports@example.com>",
  to: ["Ada Lovelace <ada@example.com>", "bob@example.com"],
  cc: "carol@example.com",
  bcc: "eve@example.com",
  reply_to: "replies@example.com",
  subject: "Wöchentlicher Bericht 📈",
  body: "Grüße",
  html: "<p>Grüße</p>",
  headers: { "X-Report-Id": "42" },
  attachments: [{ filename: "a.csv", content: "a,b\n", encoding: "text" }],
};

describe("email.send through Cloudflare's send_email binding", () => {
  it("sends through the Worker's EMAIL binding and reports the id it gave", async () => {
    const { outcome } = await run({ type: "email.send", params }, {}, { email: env.EMAIL });
    expect(done(outcome).output).toMatchObject({
      status: "sent",
      provider: "cloudflare",
      message_id: expect.stringMatching(/^<[0-9a-f]{32}@example\.com>$/),
      provider_message_id: expect.stringContaining("@"),
      to: ["Ada Lovelace <ada@example.com>", "bob@example.com"],
    });
  });

  it("hands the binding the structured message: names split out, the derived id as an X- header (Message-ID is the service's)", async () => {
    const seen: EmailBindingMessage[] = [];
    const recording: EmailBinding = {
      send: async (message) => {
        seen.push(message);
        return env.EMAIL.send(message);
      },
    };
    const { outcome } = await run({ type: "email.send", params }, {}, { email: recording });
    const { message_id } = done(outcome).output as { message_id: string };
    expect(seen).toEqual([
      {
        from: { email: "reports@example.com", name: "Zoë Rapport" },
        to: [{ email: "ada@example.com", name: "Ada Lovelace" }, "bob@example.com"],
        cc: ["carol@example.com"],
        bcc: ["eve@example.com"],
        replyTo: "replies@example.com",
        subject: "Wöchentlicher Bericht 📈",
        text: "Grüße",
        html: "<p>Grüße</p>",
        attachments: [{ content: btoa("a,b\n"), filename: "a.csv", type: "text/csv", disposition: "attachment" }],
        headers: { "X-FlowRunner-Message-ID": message_id, "X-Report-Id": "42" },
      },
    ]);
  });

  it("keeps the service's error code, and takes one reply_to only", async () => {
    const refusing: EmailBinding = {
      send: () => Promise.reject(Object.assign(new Error("sender is not verified"), { code: "E_SENDER_NOT_VERIFIED" })),
    };
    const { error } = await fail({ type: "email.send", params }, {}, { email: refusing });
    expect(error).toMatchObject({
      code: "email_rejected",
      retryable: false,
      details: { provider: "cloudflare", error: "E_SENDER_NOT_VERIFIED" },
    });
    const twoReplyTos = { replyTo: [{ address: "a@x.test" }, { address: "b@x.test" }] } as Parameters<typeof bindingMessage>[0];
    expect(() => bindingMessage(twoReplyTos)).toThrow(expect.objectContaining({ code: "invalid_params" }));
  });

  it("without the binding, fails with not_available", async () => {
    const { error } = await fail({ type: "email.send", params }, {}, {});
    expect(error).toMatchObject({ code: "not_available", retryable: false });
  });
});

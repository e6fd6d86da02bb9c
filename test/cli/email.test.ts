/**
 * email.send under a real `wrangler dev`: examples/email-report.yaml over STARTTLS to the SMTP
 * stand-in, whose certificate only verifies because `wrangler dev`'s workerd trusts the local CA
 * (NODE_EXTRA_CA_CERTS, set in vitest.config.ts before the server starts), and Cloudflare Email
 * Service through wrangler dev's local send_email binding; and mail arriving as Email Routing delivers it
 * (`POST /cdn-cgi/local/email`, wrangler dev's way into the Worker's email() handler) starting
 * examples/email-inbound.yaml, which answers over SMTP.
 */
import path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { ReceivedMessage, SmtpPorts } from "../../scripts/standins/smtp.mjs";
import { json, root, User } from "./helpers";

const SMTP = inject("standins").smtp;
const user = new User("cli-email");

beforeAll(async () => {
  await user.login();
  const { ports } = (await (await fetch(SMTP)).json()) as { ports: SmtpPorts };
  const secrets: [string, string][] = [
    ["SMTP_HOST", "localhost"],
    ["SMTP_PORT", String(ports.starttls)],
    ["SMTP_USERNAME", "mailer"],
    ["SMTP_PASSWORD", "pässwörd-✓-smtp"],
  ];
  for (const [key, value] of secrets) {
    const set = await user.run(["secrets", "set", key], { input: value });
    expect(set.code, set.stderr).toBe(0);
  }
});

describe("email.send under wrangler dev", () => {
  it("mails the report example over STARTTLS, the certificate verified against the local CA", async () => {
    const created = await user.run(["flows", "create", path.join(root, "examples/email-report.yaml")]);
    expect(created.code, created.stderr).toBe(0);
    const to = `cli-${Date.now().toString(36)}@example.com`;
    const input = { week: "2026-W51", recipients: [to], sales: [{ region: "North", orders: 3, revenue: 30 }] };
    const run = await user.run(["run", "Weekly sales report", "--input-json", JSON.stringify(input), "--wait", "--json"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(json<{ status: string; output: { status: string } }>(run.stdout)).toMatchObject({
      status: "completed",
      output: { status: "sent" },
    });
    const { messages } = (await (await fetch(`${SMTP}/messages?rcpt=${encodeURIComponent(to)}`)).json()) as { messages: ReceivedMessage[] };
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ listener: "starttls", secure: true, subject: "Sales, week 2026-W51: 30.00 €" });
    expect(messages[0]!.attachments.map((a) => a.filename)).toEqual(["sales-2026-W51.csv"]);
  });

  it("sends through the local send_email binding with provider: cloudflare", async () => {
    const flow = `metadata: {name: cloudflare mail}
nodes:
  mail:
    type: email.send
    params: {provider: cloudflare, from: "Reports <reports@example.com>", to: ada@example.com, subject: Hello, body: Hi}
`;
    const created = await user.run(["flows", "create", user.file("cloudflare.yaml", flow)]);
    expect(created.code, created.stderr).toBe(0);
    const run = await user.run(["run", "cloudflare mail", "--wait", "--json"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(json<{ output: unknown }>(run.stdout).output).toMatchObject({
      status: "sent",
      provider: "cloudflare",
      provider_message_id: expect.any(String),
    });
  });
});

describe("inbound mail under wrangler dev", () => {
  it("starts the Hello desk example, which answers over SMTP; the CLI shows the trigger's addresses", async () => {
    const created = await user.run(["flows", "create", path.join(root, "examples/email-inbound.yaml")]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/email inbox: trg_[0-9a-z]{25}@<your domain>, hello@example\.com/);
    const triggers = await user.run(["flows", "triggers", "Hello desk"]);
    expect(triggers.stdout).toMatch(/inbox\s+email\s+active\s+trg_[0-9a-z]{25}@<your domain>, hello@example\.com/);

    const from = `ada-${Date.now().toString(36)}@mail.example.com`;
    const raw = [
      `From: Ada <${from}>`,
      "To: hello@example.com",
      "Subject: Opening hours",
      `Message-ID: <${Date.now().toString(36)}@mail.example.com>`,
      "Date: Sat, 05 Dec 2026 10:00:00 +0000",
      "Content-Type: text/plain; charset=utf-8",
      "",
      "When are you open?",
      "",
    ].join("\r\n");
    const url = `${user.url}/cdn-cgi/local/email?from=${encodeURIComponent(from)}&to=hello@example.com`;
    const delivered = await fetch(url, { method: "POST", body: raw });
    expect(delivered.status, await delivered.text()).toBe(200);

    let messages: ReceivedMessage[] = [];
    for (let i = 0; i < 100 && messages.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      ({ messages } = (await (await fetch(`${SMTP}/messages?rcpt=${encodeURIComponent(from)}`)).json()) as { messages: ReceivedMessage[] });
    }
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ subject: "Re: Opening hours" });
    expect(messages[0]!.text).toContain("message number 1 we have from you");

    const stranger = await fetch(`${user.url}/cdn-cgi/local/email?from=eve@evil.test&to=hello@example.com`, {
      method: "POST",
      body: raw.replace(`From: Ada <${from}>`, "From: eve@evil.test"),
    });
    expect(await stranger.text()).toMatch(/Sender not allowed/);
  });
});

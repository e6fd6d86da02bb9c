/**
 * email.send under a real `wrangler dev`: examples/email-report.yaml over STARTTLS to the SMTP
 * stand-in, whose certificate only verifies because `wrangler dev`'s workerd trusts the local CA
 * (NODE_EXTRA_CA_CERTS, set in vitest.config.ts before the server starts), and Cloudflare Email
 * Service through wrangler dev's local send_email binding.
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

/**
 * `email` triggers: mail handed to the Worker's `email()` handler (as Cloudflare Email Routing does)
 * starts the flows whose trigger the recipient reaches, with the parsed message as the run's input;
 * everything else is refused with an SMTP reason that names no account, flow or trigger.
 */
import { describe, expect, it } from "vitest";
import { call, getExecution, saveFlow, signUp, untilStatus, yaml, type TestUser } from "../helpers/api";
import { deliver } from "../helpers/inbound-email";
import { eventually } from "../helpers/webhooks";

interface Trigger {
  id: string;
  key: string;
  type: string;
  address?: string;
  config: Record<string, unknown>;
}

const domain = () => `${crypto.randomUUID().slice(0, 8)}.example.net`;

const inbox = (name: string, trigger: string) => yaml`
metadata: {name: ${name}}
triggers:
  - ${trigger}
nodes:
  echo: {type: transform, params: {script: "return input"}}
`;

async function triggersOf(user: TestUser, flowId: string): Promise<Trigger[]> {
  const res = await call(`/api/v1/flows/${flowId}`, { headers: user.auth });
  return ((await res.json()) as { triggers: Trigger[] }).triggers;
}

async function runsOf(user: TestUser, flowId: string): Promise<{ id: string; trigger: string }[]> {
  const res = await call(`/api/v1/executions?flow_id=${flowId}&limit=100`, { headers: user.auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { executions: { id: string; trigger: string }[] }).executions;
}

async function onlyRun(user: TestUser, flowId: string) {
  const [run] = await eventually(async () => {
    const runs = await runsOf(user, flowId);
    expect(runs).toHaveLength(1);
    return runs;
  });
  return untilStatus(user, run!.id, "completed");
}

describe("email triggers", () => {
  it("start a run with the parsed message, attachment and envelope as input, at the declared address", async () => {
    const user = await signUp();
    const address = `orders@${domain()}`;
    const flowId = await saveFlow(user, inbox("Orders", `{id: orders, type: email, address: "${address}"}`));
    const [trigger] = await triggersOf(user, flowId);
    expect(trigger).toMatchObject({ key: "orders", type: "email", address: `${trigger!.id}@<your domain>` });
    expect(trigger!.config).toMatchObject({ address, max_size: 5 * 1024 * 1024, attachment_bytes: 256 * 1024 });

    const outcome = await deliver({
      from: "ada@example.com",
      headerFrom: "Ada Lovelace <ada@example.com>",
      to: address.toUpperCase(),
      subject: "Order 42 — Grüße",
      text: "Please send 3 engines.",
      messageId: "<order-42@mail.example.com>",
      attachment: ["order.csv", "item,qty\nengine,3\n"],
    });
    expect(outcome).toEqual({ rejected: null, forwarded: null });

    const run = await onlyRun(user, flowId);
    expect(run.output).toMatchObject({
      from: { name: "Ada Lovelace", address: "ada@example.com" },
      subject: "Order 42 — Grüße",
      text: "Please send 3 engines.",
      message_id: "<order-42@mail.example.com>",
      envelope: { from: "ada@example.com", to: address.toUpperCase() },
      truncated: false,
      attachments: [
        { filename: "order.csv", content_type: "text/plain", size: 18, content: btoa("item,qty\nengine,3\n"), truncated: false },
      ],
    });
    const detail = (await getExecution(user, run.id)) as unknown as { trigger: string };
    expect(detail.trigger).toBe(`email:${trigger!.id}`);
  });

  it("also answer at <trigger id>@ any routed domain, with or without a +tag, and start one run per Message-ID", async () => {
    const user = await signUp();
    const flowId = await saveFlow(user, inbox("Own address", "{type: email}"));
    const [trigger] = await triggersOf(user, flowId);
    const messageId = "<same@mail.example.com>";
    expect(await deliver({ from: "a@example.com", to: `${trigger!.id}+invoices@${domain()}`, messageId })).toEqual({
      rejected: null,
      forwarded: null,
    });
    // Email Routing retries a delivery it was not sure of: the same message finds the first run.
    expect(await deliver({ from: "a@example.com", to: `${trigger!.id}@${domain()}`, messageId })).toEqual({
      rejected: null,
      forwarded: null,
    });
    await onlyRun(user, flowId);
    await deliver({ from: "a@example.com", to: `${trigger!.id}@${domain()}` });
    await eventually(async () => expect(await runsOf(user, flowId)).toHaveLength(2));
  });

  it("reject unknown recipients, or forward them when the operator says where", async () => {
    const to = `nobody@${domain()}`;
    expect(await deliver({ from: "a@example.com", to })).toEqual({ rejected: "Unknown recipient", forwarded: null });
    expect(await deliver({ from: "a@example.com", to: `trg_${"a".repeat(25)}@${domain()}` })).toMatchObject({
      rejected: "Unknown recipient",
    });
    expect(await deliver({ from: "a@example.com", to }, { EMAIL_FORWARD_UNKNOWN: "ops@example.com" })).toEqual({
      rejected: null,
      forwarded: "ops@example.com",
    });
  });

  it("refuse senders off the list (envelope and From header both checked) and messages over max_size, and audit it", async () => {
    const user = await signUp();
    const address = `desk@${domain()}`;
    const flowId = await saveFlow(
      user,
      inbox("Guarded", `{type: email, address: "${address}", senders: ["*@partner.example", "boss@example.com"], max_size: 2000}`),
    );
    expect(await deliver({ from: "eve@evil.example", to: address })).toEqual({ rejected: "Sender not allowed", forwarded: null });
    // A forged header alone, or a forged envelope alone, is not enough.
    expect(await deliver({ from: "eve@evil.example", headerFrom: "boss@example.com", to: address })).toMatchObject({
      rejected: "Sender not allowed",
    });
    expect(await deliver({ from: "boss@example.com", headerFrom: "Eve <eve@evil.example>", to: address })).toMatchObject({
      rejected: "Sender not allowed",
    });
    expect(await deliver({ from: "sam@partner.example", to: address, text: "x".repeat(3000) })).toMatchObject({
      rejected: "Message too large",
    });
    expect(await runsOf(user, flowId)).toHaveLength(0);
    expect(await deliver({ from: "sam@partner.example", to: address })).toEqual({ rejected: null, forwarded: null });
    await onlyRun(user, flowId);

    const audit = await call("/api/v1/audit?action=email.refused&limit=10", { headers: user.auth });
    const events = ((await audit.json()) as { events: { details: Record<string, unknown> }[] }).events;
    expect(events.map((e) => e.details.reason).sort()).toEqual([
      "Message too large",
      "Sender not allowed",
      "Sender not allowed",
      "Sender not allowed",
    ]);
  });

  it("refuse mail while the flow is disabled or the trigger declared off, without starting anything", async () => {
    const user = await signUp();
    const address = `off@${domain()}`;
    const flowId = await saveFlow(user, inbox("Switched off", `{type: email, address: "${address}"}`));
    expect((await call(`/api/v1/flows/${flowId}/disable`, { method: "POST", headers: user.auth })).status).toBe(200);
    expect(await deliver({ from: "a@example.com", to: address })).toEqual({ rejected: "Recipient is not accepting mail", forwarded: null });
    const declaredOff = `declared-off@${domain()}`;
    await saveFlow(user, inbox("Declared off", `{type: email, address: "${declaredOff}", enabled: false}`));
    expect(await deliver({ from: "a@example.com", to: declaredOff })).toMatchObject({ rejected: "Recipient is not accepting mail" });
    expect(await runsOf(user, flowId)).toHaveLength(0);
  });

  it("never give one account's mail to another: the first declaration of an address keeps it, an exact address beats a pattern", async () => {
    const first = await signUp();
    const second = await signUp();
    const d = domain();
    const firstFlow = await saveFlow(first, inbox("Support", `{type: email, address: "support@${d}"}`));
    const squatter = await saveFlow(second, inbox("Squatter", `{type: email, address: "support@${d}"}`));
    const catchAll = await saveFlow(second, inbox("Catch-all", `{type: email, address: "*@${d}"}`));

    await deliver({ from: "a@example.com", to: `support@${d}` });
    await onlyRun(first, firstFlow);
    expect(await runsOf(second, squatter)).toHaveLength(0);
    expect(await runsOf(second, catchAll)).toHaveLength(0);

    // An address nobody declared exactly falls to the pattern.
    await deliver({ from: "a@example.com", to: `sales@${d}` });
    await onlyRun(second, catchAll);
    expect(await runsOf(first, firstFlow)).toHaveLength(1);
  });

  it("start every flow of the account that receives at the address, each with the whole message", async () => {
    const user = await signUp();
    const address = `shared@${domain()}`;
    const first = await saveFlow(user, inbox("Shared one", `{type: email, address: "${address}"}`));
    const second = await saveFlow(user, inbox("Shared two", `{type: email, address: "${address}", attachment_bytes: 0}`));
    await deliver({ from: "a@example.com", to: address, subject: "Both", attachment: ["a.txt", "attached"] });
    const [one, two] = [await onlyRun(user, first), await onlyRun(user, second)];
    expect(one.output).toMatchObject({ subject: "Both", attachments: [{ content: btoa("attached"), truncated: false }] });
    expect(two.output).toMatchObject({ subject: "Both", attachments: [{ content: null, truncated: true }] });
  });

  it("are checked at save with line and column", async () => {
    const user = await signUp();
    const res = await call("/api/v1/flows/validate", {
      method: "POST",
      headers: { ...user.auth, "Content-Type": "application/yaml" },
      body: inbox("Bad", `{type: email, address: "not an address", max_size: 0}`),
    });
    const body = (await res.json()) as { valid: boolean; errors: { code: string; message: string; line: number; column: number }[] };
    expect(body.valid).toBe(false);
    expect(body.errors.map((e) => [e.code, e.line])).toEqual([
      ["invalid_trigger", 3],
      ["invalid_trigger", 3],
    ]);
    expect(body.errors.map((e) => e.message).join("\n")).toMatch(/address: must be an address/);
  });
});

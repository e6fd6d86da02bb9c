/// <reference types="vite/client" />
/**
 * examples/email-report.yaml, email-processor.yaml and email-inbound.yaml, saved and run through the public API
 * (the last started by mail handed to the Worker's email() handler):
 * the SMTP server is the stand-in (STARTTLS listener, local CA), the mailbox the local dovecot's, both
 * reached as the flows say, through the account's secrets. What arrived is read back by mailparser;
 * the step records, logs and error of runs are searched for the passwords.
 */
import { describe, expect, it } from "vitest";
import emailInbound from "../../examples/email-inbound.yaml?raw";
import emailNewMessages from "../../examples/email-new-messages.yaml?raw";
import emailProcessor from "../../examples/email-processor.yaml?raw";
import emailReport from "../../examples/email-report.yaml?raw";
import { call, expectValidFlow, getExecution, runFlow, saveFlow, signUp, type TestUser } from "../helpers/api";
import { IMAP_PASSWORD, IMAP_PORTS, mailbox, SMTP_PASSWORD, SMTP_USER, smtpPorts, smtpReceived } from "../helpers/email-standins";
import { putSecret } from "../helpers/hooks";
import { deliver } from "../helpers/inbound-email";
import { eventually } from "../helpers/webhooks";
import { workersConnect } from "../../src/objects/execution/connect";
import { done, run as runNode } from "./nodes/helpers";

const SALES = [
  { region: "North", orders: 120, revenue: 18250.5 },
  { region: "Süd & <Ost>", orders: 80, revenue: 9120 },
];

async function account(password = SMTP_PASSWORD): Promise<TestUser> {
  const user = await signUp();
  await putSecret(user, "SMTP_HOST", "127.0.0.1");
  await putSecret(user, "SMTP_PORT", String((await smtpPorts()).starttls));
  await putSecret(user, "SMTP_USERNAME", SMTP_USER);
  await putSecret(user, "SMTP_PASSWORD", password);
  return user;
}

/** Everything the API shows about a run: its detail, every step in full, its logs. */
async function everythingShown(user: TestUser, id: string): Promise<string> {
  const parts = await Promise.all([
    getExecution(user, id),
    call(`/api/v1/executions/${id}/steps?full=true`, { headers: user.auth }).then((r) => r.text()),
    call(`/api/v1/executions/${id}/logs`, { headers: user.auth }).then((r) => r.text()),
  ]);
  return JSON.stringify(parts);
}

describe("examples/email-report.yaml", () => {
  it("validates with no errors and no warnings", async () => {
    await expectValidFlow(emailReport);
  });

  it("mails the week's report as HTML and text with the CSV attached, over STARTTLS, and shows the password nowhere", async () => {
    const user = await account();
    const to = mailbox("ada");
    const run = await runFlow(user, await saveFlow(user, emailReport), {
      week: "2026-W49",
      recipients: [`Ada Lovelace <${to}>`],
      sales: SALES,
    });
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toMatchObject({
      status: "sent",
      provider: "smtp",
      from: "Sales Reports <reports@example.com>",
      to: [`Ada Lovelace <${to}>`],
      subject: "Sales, week 2026-W49: 27370.50 €",
    });

    const [received] = await smtpReceived(to);
    expect(received).toMatchObject({
      listener: "starttls",
      secure: true,
      auth: { username: SMTP_USER, method: "PLAIN" },
      subject: "Sales, week 2026-W49: 27370.50 €",
      message_id: (run.output as { message_id: string }).message_id,
      text: "Sales, week 2026-W49\nNorth: 120 orders, 18250.50 €\nSüd & <Ost>: 80 orders, 9120.00 €\nTotal: 200 orders, 27370.50 €",
    });
    expect(received!.html).toContain("<tr><td>Süd &amp; &lt;Ost&gt;</td><td>80</td><td>9120.00</td></tr>");
    expect(received!.html).toContain("<tr><th>Total</th><th>200</th><th>27370.50</th></tr>");
    expect(received!.headers["x-report-week"]).toBe("2026-W49");
    const csv = new TextEncoder().encode("region,orders,revenue\nNorth,120,18250.50\nSüd & <Ost>,80,9120.00\n");
    expect(received!.attachments).toEqual([
      { filename: "sales-2026-W49.csv", content_type: "text/csv", size: csv.byteLength, content_base64: btoa(String.fromCharCode(...csv)) },
    ]);
    expect(await everythingShown(user, run.id)).not.toContain(SMTP_PASSWORD);
  });

  it("a refused login fails the run without retrying, and the wrong password shows nowhere", async () => {
    const wrong = "not-the-password-8c1f";
    const user = await account(wrong);
    const to = mailbox();
    const run = await runFlow(user, await saveFlow(user, emailReport), { week: "2026-W50", recipients: [to], sales: SALES });
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "smtp_auth_failed", node_id: "mail" });
    const steps = (
      (await (await call(`/api/v1/executions/${run.id}/steps`, { headers: user.auth })).json()) as {
        steps: { node_id: string; attempt: number }[];
      }
    ).steps;
    expect(steps.filter((s) => s.node_id === "mail").map((s) => s.attempt)).toEqual([1]);
    expect(await everythingShown(user, run.id)).not.toContain(wrong);
    expect(await smtpReceived(to)).toEqual([]);
  });
});

describe("examples/email-processor.yaml", () => {
  it("validates with no errors and no warnings", async () => {
    await expectValidFlow(emailProcessor);
  });

  it("reads the unread mail over IMAP STARTTLS, answers the urgent one over SMTP, and a second run finds nothing new", async () => {
    const user = await account();
    await putSecret(user, "IMAP_HOST", "127.0.0.1");
    await putSecret(user, "IMAP_PORT", String(IMAP_PORTS.starttls));
    await putSecret(user, "IMAP_USERNAME", "processor");
    await putSecret(user, "IMAP_PASSWORD", IMAP_PASSWORD);
    const flow = await saveFlow(user, emailProcessor);

    const first = await runFlow(user, flow, {});
    expect(first.status, JSON.stringify(first.error)).toBe("completed");
    expect(first.output).toEqual([
      expect.objectContaining({ status: "sent", to: ["Bob Builder <bob@example.org>"], subject: "Re: Urgent: the site is down" }),
    ]);
    const [reply] = (await smtpReceived("bob@example.org")).filter((m) => m.subject === "Re: Urgent: the site is down");
    expect(reply).toMatchObject({ envelope: { from: "support@example.com", to: ["bob@example.org"] } });
    expect(reply!.headers["in-reply-to"]).toBe("<urgent-1@example.org>");
    const shown = await everythingShown(user, first.id);
    expect(shown).toMatch(/category\\*":\\*"normal/);
    expect(shown).not.toContain(IMAP_PASSWORD);
    expect(shown).not.toContain(SMTP_PASSWORD);

    // Everything read was marked read: nothing is unread, nothing urgent, no mail goes out.
    const second = await runFlow(user, flow, {});
    expect(second.status, JSON.stringify(second.error)).toBe("completed");
    expect(second.output).toEqual({ messages: [], replies: [] });
  });
});

describe("examples/email-new-messages.yaml", () => {
  it("lists every message on the first run, nothing on the next, and leaves the mailbox unread", async () => {
    const user = await signUp();
    await putSecret(user, "IMAP_HOST", "127.0.0.1");
    await putSecret(user, "IMAP_PORT", String(IMAP_PORTS.starttls));
    await putSecret(user, "IMAP_USERNAME", "poller");
    await putSecret(user, "IMAP_PASSWORD", IMAP_PASSWORD);
    await expectValidFlow(emailNewMessages);
    const flow = await saveFlow(user, emailNewMessages);

    const first = await runFlow(user, flow, {});
    expect(first.status, JSON.stringify(first.error)).toBe("completed");
    expect((first.output as { new: { uid: number; subject: string }[] }).new.map((m) => [m.uid, m.subject])).toEqual([
      [1, "Invoice 42"],
      [2, "Grüße aus München ✓"],
      [3, "Quarterly report"],
      [4, "Urgent: the site is down"],
    ]);
    const second = await runFlow(user, flow, {});
    expect(second.status, JSON.stringify(second.error)).toBe("completed");
    expect(second.output).toEqual({ new: [] });
    const third = await runFlow(user, flow, {});
    expect(third.output).toEqual({ new: [] });
    expect(await everythingShown(user, first.id)).not.toContain(IMAP_PASSWORD);
    // Nothing was marked: the three unread messages are still unread.
    const { outcome } = await runNode(
      {
        type: "email.receive",
        params: { imap_host: "127.0.0.1", imap_port: IMAP_PORTS.starttls, username: "poller", password: IMAP_PASSWORD, unseen: true },
      },
      {},
      { connect: workersConnect },
    );
    expect((done(outcome).output as { subject: string }[]).map((m) => m.subject)).toEqual([
      "Grüße aus München ✓",
      "Quarterly report",
      "Urgent: the site is down",
    ]);
  });
});

describe("examples/email-inbound.yaml", () => {
  it("validates with no errors and no warnings", async () => {
    await expectValidFlow(emailInbound);
  });

  it("answers each message in its thread, counting the sender's messages in the store, and bounces strangers", async () => {
    const user = await account();
    const flowId = await saveFlow(user, emailInbound);
    const ada = mailbox("ada");
    const runs = async () => {
      const res = await call(`/api/v1/executions?flow_id=${flowId}&status=completed`, { headers: user.auth });
      return ((await res.json()) as { executions: { id: string }[] }).executions;
    };
    for (const n of [1, 2]) {
      const outcome = await deliver({
        from: ada,
        headerFrom: `Ada Lovelace <${ada}>`,
        to: "hello@example.com",
        subject: `Question ${n}`,
        messageId: `<q${n}@${ada.split("@")[1]}>`,
      });
      expect(outcome).toEqual({ rejected: null, forwarded: null });
      await eventually(async () => expect(await runs()).toHaveLength(n), 600);
    }
    const answers = await smtpReceived(ada);
    expect(answers).toHaveLength(2);
    expect(answers.map((a) => a.subject).sort()).toEqual(["Re: Question 1", "Re: Question 2"]);
    const second = answers.find((a) => a.subject === "Re: Question 2")!;
    expect(second.text).toContain("Hello Ada Lovelace,");
    expect(second.text).toContain("message number 2 we have from you");
    expect(second.headers["in-reply-to"]).toBe(`<q2@${ada.split("@")[1]}>`);
    const count = await call(`/api/v1/store/${encodeURIComponent(`senders:${ada}`)}`, { headers: user.auth });
    expect(await count.json()).toMatchObject({ value: 2 });

    expect(await deliver({ from: "eve@evil.test", to: "hello@example.com" })).toEqual({ rejected: "Sender not allowed", forwarded: null });
  });
});

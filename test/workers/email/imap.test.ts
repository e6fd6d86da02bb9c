/**
 * `email.receive` from workerd (`cloudflare:sockets` through ctx.connect) against a real dovecot
 * (scripts/standins/imap.mjs): implicit TLS and STARTTLS with the local CA's certificate, the search
 * filters, the fetched shape (UTF-8 subject, HTML, an attachment), marking read and moving. Each test
 * that changes a mailbox has a user of its own.
 */
import { describe, expect, it } from "vitest";
import { workersConnect } from "../../../src/objects/execution/connect";
import { IMAP_PASSWORD, IMAP_PORTS } from "../../helpers/email-standins";
import { done, fail, run, secretVault } from "../nodes/helpers";

const deps = { connect: workersConnect, privateNetwork: "allow" as const, secrets: secretVault({ IMAP_PASSWORD }) };

interface Message {
  subject: string;
  from: string | null;
  to: string[];
  cc: string[];
  body: string | null;
  html: string | null;
  body_preview?: string;
  headers: Record<string, string>;
  messageId: string | null;
  attachments: { filename: string; content_type: string; size: number; content: string | null; truncated: boolean }[];
  metadata: { uid: number; uidvalidity: number; folder: string; flags: string[]; sequence: number; size: number; internal_date: string };
}

async function receive(params: Record<string, unknown>, user = "reader") {
  const spec = {
    type: "email.receive",
    params: {
      imap_host: "127.0.0.1",
      imap_port: IMAP_PORTS.tls,
      imap_security: "tls",
      username: user,
      password: "${secrets.IMAP_PASSWORD}",
      ...params,
    },
  };
  const { outcome, logs } = await run(spec, {}, deps);
  return { messages: done(outcome).output as unknown as Message[], logs };
}
const subjects = (messages: Message[]) => messages.map((m) => m.subject);

describe("email.receive over IMAP", () => {
  it("fetches every message over TLS, oldest first, parsed: UTF-8 subject, HTML, attachment, UIDs; fetching marks nothing read", async () => {
    const { messages, logs } = await receive({ body_preview: 20 });
    expect(subjects(messages)).toEqual(["Invoice 42", "Grüße aus München ✓", "Quarterly report", "Urgent: the site is down"]);
    const [invoice, gruesse, report] = messages as [Message, Message, Message];
    expect(invoice).toMatchObject({
      from: "Alice Example <alice@example.com>",
      to: ["Team <team@example.com>"],
      cc: [],
      body: "Invoice 42 is attached in spirit. Please pay by Friday.\n",
      html: null,
      body_preview: "Invoice 42 is attach",
      messageId: "<invoice-42@example.com>",
      metadata: { uid: 1, folder: "INBOX", flags: ["\\Seen"], sequence: 1, internal_date: "2026-01-10T09:00:00.000Z" },
    });
    expect(invoice.metadata.uidvalidity).toBeGreaterThan(0);
    expect(gruesse).toMatchObject({
      from: "Jürgen Müller <juergen@example.de>",
      cc: ["Alice Example <alice@example.com>"],
      body: "Liebe Grüße aus München! Das Wetter ist schön.\n",
      headers: expect.objectContaining({ subject: "Grüße aus München ✓", "message-id": "<gruesse@example.de>" }),
      metadata: { uid: 2, flags: [] },
    });
    expect(report.html).toBe("<p>The quarterly numbers are in the <b>attached</b> file.</p>");
    expect(report.attachments).toEqual([
      expect.objectContaining({
        filename: "report.csv",
        content_type: "text/csv",
        size: 24,
        truncated: false,
        content: btoa("quarter,revenue\nQ1,1200\n"),
      }),
    ]);
    expect(report.metadata.size).toBeGreaterThan(600);
    expect(JSON.stringify({ messages, logs })).not.toContain(IMAP_PASSWORD);
    // BODY.PEEK: the three unread ones are still unread.
    expect(subjects((await receive({ unseen: true })).messages)).toEqual(subjects(messages.slice(1)));
  });

  it("searches with unseen, since, before, from, to, subject (UTF-8), limit and after_uid", async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ unseen: true, from: "alice" }, ["Quarterly report"]],
      [{ since: "2026-02-15T00:00:00Z" }, ["Quarterly report", "Urgent: the site is down"]],
      [{ before: "2026-02-15T00:00:00Z" }, ["Invoice 42", "Grüße aus München ✓"]],
      [{ since: "2026-01-15T00:00:00Z", before: "2026-03-10T00:00:00Z" }, ["Grüße aus München ✓", "Quarterly report"]],
      [{ from: "alice@example.com" }, ["Invoice 42", "Quarterly report"]],
      [{ to: "support@" }, ["Urgent: the site is down"]],
      [{ subject: "München" }, ["Grüße aus München ✓"]],
      [{ subject: "no such subject" }, []],
      [{ limit: 2 }, ["Invoice 42", "Grüße aus München ✓"]],
      [{ after_uid: 2, limit: 1 }, ["Quarterly report"]],
      [{ after_uid: 4 }, []],
    ];
    for (const [params, expected] of cases) {
      expect(subjects((await receive(params)).messages), JSON.stringify(params)).toEqual(expected);
    }
  });

  it("continues after a UID only while the folder's UIDVALIDITY is the same", async () => {
    const [first] = (await receive({ limit: 1 })).messages as [Message];
    const same = await receive({ after_uid: 3, uid_validity: first.metadata.uidvalidity });
    expect(subjects(same.messages)).toEqual(["Urgent: the site is down"]);
    const renumbered = await receive({ after_uid: 3, uid_validity: first.metadata.uidvalidity + 1 });
    expect(renumbered.messages).toHaveLength(4);
  });

  it("with_body: false fetches headers only", async () => {
    const { messages } = await receive({ with_body: false, subject: "Quarterly" });
    expect(messages).toEqual([
      expect.objectContaining({
        subject: "Quarterly report",
        body: null,
        html: null,
        attachments: [],
        messageId: "<report-q1@example.com>",
      }),
    ]);
  });

  it("attachment_bytes: 0 keeps attachment metadata without content", async () => {
    const { messages } = await receive({ attachment_bytes: 0, subject: "Quarterly" });
    expect(messages[0]!.attachments).toEqual([
      expect.objectContaining({ filename: "report.csv", size: 24, content: null, truncated: true }),
    ]);
  });

  it("over STARTTLS, mark_as_read sets \\Seen on what was fetched, and only that", async () => {
    const marked = await receive(
      { imap_port: IMAP_PORTS.starttls, imap_security: "starttls", unseen: true, limit: 2, mark_as_read: true },
      "marker",
    );
    expect(subjects(marked.messages)).toEqual(["Grüße aus München ✓", "Quarterly report"]);
    expect(marked.messages.map((m) => m.metadata.flags)).toEqual([["\\Seen"], ["\\Seen"]]);
    const left = await receive({ imap_port: IMAP_PORTS.starttls, imap_security: "starttls", unseen: true }, "marker");
    expect(subjects(left.messages)).toEqual(["Urgent: the site is down"]);
  });

  it("move_to moves the fetched messages to another folder, whose name may be any Unicode", async () => {
    const moved = await receive({ subject: "Urgent", move_to: "Archive" }, "mover");
    expect(subjects(moved.messages)).toEqual(["Urgent: the site is down"]);
    expect(subjects((await receive({}, "mover")).messages)).toEqual(["Invoice 42", "Grüße aus München ✓", "Quarterly report"]);
    const archived = await receive({ folder: "Archive" }, "mover");
    await receive({ subject: "Invoice", move_to: "Entwürfe" }, "mover");
    const drafts = await receive({ folder: "Entwürfe" }, "mover");
    expect(drafts.messages).toEqual([
      expect.objectContaining({ subject: "Invoice 42", metadata: expect.objectContaining({ folder: "Entwürfe" }) }),
    ]);
    expect(archived.messages).toEqual([
      expect.objectContaining({ subject: "Urgent: the site is down", metadata: expect.objectContaining({ folder: "Archive", uid: 1 }) }),
    ]);
  });

  it("a folder that does not exist is imap_refused, not retried", async () => {
    const { error } = await fail(
      {
        type: "email.receive",
        params: {
          imap_host: "127.0.0.1",
          imap_port: IMAP_PORTS.tls,
          imap_security: "tls",
          username: "reader",
          password: "${secrets.IMAP_PASSWORD}",
          folder: "Nope",
        },
      },
      {},
      deps,
    );
    expect(error).toMatchObject({ code: "imap_refused", retryable: false, details: expect.objectContaining({ step: "SELECT Nope" }) });
  });

  it("a wrong password is imap_auth_failed, not retried, and never shows the password", async () => {
    for (const [port, security] of [
      [IMAP_PORTS.tls, "tls"],
      [IMAP_PORTS.starttls, "starttls"],
    ] as const) {
      const { error, logs } = await fail(
        {
          type: "email.receive",
          params: { imap_host: "127.0.0.1", imap_port: port, imap_security: security, username: "reader", password: "wrong-pässword-123" },
        },
        {},
        deps,
      );
      expect(error).toMatchObject({ code: "imap_auth_failed", retryable: false });
      expect(JSON.stringify({ message: error.message, details: error.details, logs })).not.toContain("wrong-pässword-123");
    }
  });

  it("outside local development refuses private addresses; a server that sends no greeting is imap_timeout, retried", async () => {
    const spec = {
      type: "email.receive",
      params: { imap_host: "127.0.0.1", imap_port: IMAP_PORTS.tls, username: "reader", password: "x" },
    };
    const { error: denied } = await fail(spec, {}, { ...deps, privateNetwork: "deny" });
    expect(denied).toMatchObject({ code: "address_not_allowed", retryable: false });
    // Plain text to the TLS port: dovecot waits for a TLS handshake, no greeting comes.
    const { error: silent } = await fail({ ...spec, params: { ...spec.params, imap_security: "starttls", timeout: "300ms" } }, {}, deps);
    expect(silent).toMatchObject({ code: "imap_timeout", retryable: true });
  });
});

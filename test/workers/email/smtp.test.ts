/**
 * `email.send` over SMTP from workerd (`cloudflare:sockets` through ctx.connect) to the real
 * `smtp-server` stand-in: STARTTLS and implicit TLS with certificates of the local CA, AUTH PLAIN and
 * LOGIN, and what arrived as read by mailparser.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { workersConnect } from "../../../src/objects/execution/connect";
import type { SmtpPorts } from "../../../scripts/standins/smtp.mjs";
import { mailbox, SMTP_HTTP, SMTP_PASSWORD, SMTP_USER, smtpPorts, smtpReceived } from "../../helpers/email-standins";
import { done, fail, run, secretVault, type StepOptions } from "../nodes/helpers";

let ports: SmtpPorts;
beforeAll(async () => {
  ports = await smtpPorts();
});

const deps = (privateNetwork: "allow" | "deny" = "allow") => ({
  connect: workersConnect,
  privateNetwork,
  secrets: secretVault({ SMTP_PASSWORD }),
});

/** Sends with these params over the STARTTLS listener, logged in; `over` replaces any of them. */
function send(params: Record<string, unknown>, options: StepOptions = {}, privateNetwork: "allow" | "deny" = "allow") {
  const spec = {
    type: "email.send",
    params: {
      smtp_host: "127.0.0.1",
      smtp_port: ports.starttls,
      username: SMTP_USER,
      password: "${secrets.SMTP_PASSWORD}",
      from: "reports@example.com",
      subject: "Hello",
      body: "Hi",
      ...params,
    },
  };
  return { run: () => run(spec, options, deps(privateNetwork)), fail: () => fail(spec, options, deps(privateNetwork)) };
}

describe("email.send over SMTP", () => {
  it("sends through STARTTLS with AUTH PLAIN: headers, UTF-8, both bodies, attachments, dot-stuffing, bcc only in the envelope", async () => {
    const [to, cc, bcc] = [mailbox("ada"), mailbox("bob"), mailbox("eve")];
    const pdf = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256);
    const body = "Grüße!\n.\n..two dots\n.leading dot\nend";
    const { outcome } = await send({
      from: "Zoë Rapport <reports@example.com>",
      to: [`Ada Lovelace <${to}>`],
      cc: `"Jürgen, JJ" <${cc}>`,
      bcc,
      reply_to: "replies@example.com",
      subject: "Wöchentlicher Bericht 📈",
      body,
      html: "<h1>Bericht</h1><p>Grüße</p>",
      headers: { "X-Report-Id": 42 },
      attachments: [
        { filename: "report.pdf", content: btoa(String.fromCharCode(...pdf)) },
        { filename: "Übersicht.csv", content: "a,b\n1,2\n", encoding: "text" },
      ],
    }).run();
    const output = done(outcome).output as Record<string, unknown>;
    expect(output).toMatchObject({
      status: "sent",
      provider: "smtp",
      message_id: expect.stringMatching(/^<[0-9a-f]{32}@example\.com>$/),
      provider_message_id: expect.stringContaining("queued as"),
      from: "Zoë Rapport <reports@example.com>",
      to: [`Ada Lovelace <${to}>`],
      cc: [`Jürgen, JJ <${cc}>`],
      bcc: [bcc],
      subject: "Wöchentlicher Bericht 📈",
    });

    const [received] = await smtpReceived(to);
    expect(received).toMatchObject({
      listener: "starttls",
      secure: true,
      auth: { username: SMTP_USER, method: "PLAIN" },
      envelope: { from: "reports@example.com", to: [to, cc, bcc] },
      message_id: output.message_id,
      subject: "Wöchentlicher Bericht 📈",
      from: [{ name: "Zoë Rapport", address: "reports@example.com" }],
      to: [{ name: "Ada Lovelace", address: to }],
      cc: [{ name: "Jürgen, JJ", address: cc }],
      reply_to: [{ name: "", address: "replies@example.com" }],
      text: body,
      html: "<h1>Bericht</h1><p>Grüße</p>",
    });
    expect(received!.headers["x-report-id"]).toBe("42");
    expect(received!.headers.bcc).toBeUndefined();
    expect(received!.raw).not.toContain(bcc);
    expect(received!.longest_line).toBeLessThanOrEqual(998);
    expect(received!.attachments.map((a) => [a.filename, a.content_type, a.size])).toEqual([
      ["report.pdf", "application/pdf", 5000],
      ["Übersicht.csv", "text/csv", 8],
    ]);
    expect(received!.attachments[0]!.content_base64).toBe(btoa(String.fromCharCode(...pdf)));
    // A line that is only "." would have ended DATA early had it not been stuffed.
    expect(received!.raw).toContain("\r\n.\r\n..two dots\r\n.leading dot");
  });

  it("logs in with AUTH LOGIN when asked", async () => {
    const to = mailbox();
    await send({ to, smtp_auth: "login" }).run();
    expect((await smtpReceived(to))[0]).toMatchObject({
      listener: "starttls",
      secure: true,
      auth: { method: "LOGIN", username: SMTP_USER },
    });
  });

  it("speaks TLS from the first byte with smtp_security: tls", async () => {
    const to = mailbox();
    await send({ to, smtp_port: ports.tls, smtp_security: "tls" }).run();
    expect((await smtpReceived(to))[0]).toMatchObject({ listener: "tls", secure: true, auth: { method: "PLAIN" } });
  });

  it("sends without TLS or login to a relay that needs neither (smtp_security: none)", async () => {
    const to = mailbox();
    const { outcome } = await run(
      {
        type: "email.send",
        params: {
          smtp_host: "localhost",
          smtp_port: ports.plain,
          smtp_security: "none",
          from: "app@example.com",
          to,
          subject: "x",
          body: "y",
        },
      },
      {},
      deps(),
    );
    expect(done(outcome).output).toMatchObject({ status: "sent", to: [to] });
    expect((await smtpReceived(to))[0]).toMatchObject({ listener: "plain", secure: false, auth: null });
  });

  it("never sends credentials without TLS: a server without STARTTLS fails the send", async () => {
    const to = mailbox();
    const { error } = await send({ to, smtp_port: ports.plain }).fail();
    expect(error).toMatchObject({ code: "smtp_starttls_unavailable", retryable: false });
    expect(await smtpReceived(to)).toEqual([]);
  });

  it("keeps one Message-ID for every attempt of a visit, and a new one for each batch item", async () => {
    const first = done((await send({ to: mailbox() }, { attempt: 1 }).run()).outcome).output as { message_id: string };
    const retry = done((await send({ to: mailbox() }, { attempt: 2 }).run()).outcome).output as { message_id: string };
    expect(retry.message_id).toBe(first.message_id);
    const items = [mailbox(), mailbox()];
    const { outcome } = await run(
      {
        type: "email.send",
        params: {
          smtp_host: "127.0.0.1",
          smtp_port: ports.plain,
          smtp_security: "none",
          from: "a@example.com",
          to: "${input}",
          subject: "s",
          body: "b",
        },
        batch: { items: "${input.list}" },
      },
      { input: { list: items } },
      deps(),
    );
    const ids = (done(outcome).output as { message_id: string }[]).map((o) => o.message_id);
    expect(new Set([...ids, first.message_id]).size).toBe(3);
    expect((await smtpReceived(items[1]!))[0]!.message_id).toBe(ids[1]);
  });

  it.for([
    ["reject", "smtp_rejected", false, 550],
    ["busy", "smtp_temporary_failure", true, 451],
    ["toolarge", "smtp_rejected", false, 552],
  ] as const)("%s@ → %s (retryable: %s) with the server's code", async ([local, code, retryable, smtpCode]) => {
    const ok = mailbox();
    const { error } = await send({ to: [ok, mailbox(local)] }).fail();
    expect(error).toMatchObject({ code, retryable, details: expect.objectContaining({ smtp_code: smtpCode }) });
    expect(await smtpReceived(ok)).toEqual([]);
  });

  it("a wrong password is smtp_auth_failed, not retried, and never shows the password", async () => {
    const spec = {
      type: "email.send",
      params: {
        smtp_host: "127.0.0.1",
        smtp_port: ports.starttls,
        username: SMTP_USER,
        password: "wrong-pässword-123",
        from: "a@example.com",
        to: mailbox(),
        subject: "s",
        body: "b",
      },
    };
    const { error, logs } = await fail(spec, {}, deps());
    expect(error).toMatchObject({ code: "smtp_auth_failed", retryable: false, details: expect.objectContaining({ smtp_code: 535 }) });
    expect(JSON.stringify({ message: error.message, details: error.details, logs })).not.toContain("wrong-pässword-123");
  });

  it("refuses CR/LF in the subject, an address or a header value before connecting", async () => {
    for (const [params, param] of [
      [{ subject: "Hi\r\nBcc: victim@example.com" }, "subject"],
      [{ to: "x@example.com\nBcc: victim@example.com" }, "to"],
      [{ headers: { "X-Tag": "a\r\nBcc: victim@example.com" } }, "headers.X-Tag"],
      [{ from: "Eve\r\n <eve@example.com>" }, "from"],
    ] as const) {
      const { error } = await send({ to: mailbox(), ...params }).fail();
      expect(error, param).toMatchObject({ code: "header_injection", retryable: false, details: { param } });
    }
    expect(await smtpReceived("victim@example.com")).toEqual([]);
  });

  it("outside local development refuses port 25 and private addresses", async () => {
    const local = await send({ to: mailbox() }, {}, "deny").fail();
    expect(local.error).toMatchObject({ code: "address_not_allowed", retryable: false });
    const port25 = await send({ to: mailbox(), smtp_host: "smtp.example.com", smtp_port: 25 }, {}, "deny").fail();
    expect(port25.error).toMatchObject({ code: "address_not_allowed", message: expect.stringContaining("port 25") });
  });

  it("a server that does not answer in time is smtp_timeout, retried", async () => {
    // The stand-in's HTTP port takes the connection and waits for a request: no SMTP greeting comes.
    const silent = Number(new URL(SMTP_HTTP).port);
    const spec = {
      type: "email.send",
      params: {
        smtp_host: "127.0.0.1",
        smtp_port: silent,
        smtp_security: "none",
        from: "a@example.com",
        to: mailbox(),
        subject: "s",
        body: "b",
        timeout: "300ms",
      },
    };
    const { error } = await fail(spec, {}, deps());
    expect(error).toMatchObject({ code: "smtp_timeout", retryable: true });
  });
});

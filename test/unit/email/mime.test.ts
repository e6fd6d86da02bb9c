/**
 * The message model written as MIME (src/email/mime.ts), read back by two independent parsers:
 * mailparser (what the SMTP stand-in uses) and postal-mime through parseEmail (what the Worker uses).
 */
import fc from "fast-check";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { parseMailbox, parseMailboxList } from "../../../src/email/address";
import { encodedWords, quotedPrintable } from "../../../src/email/encoding";
import { checkCustomHeader, envelopeRecipients, type OutgoingEmail } from "../../../src/email/message";
import { buildMime } from "../../../src/email/mime";
import { parseEmail } from "../../../src/email/parse";

const DATE = Date.UTC(2026, 0, 2, 3, 4, 5);

function email(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    from: { name: "Reports", address: "reports@example.com" },
    to: [{ address: "ada@example.com" }],
    cc: [],
    bcc: [],
    replyTo: [],
    subject: "Weekly report",
    text: "Hello",
    attachments: [],
    headers: [],
    messageId: "<abc123@example.com>",
    date: DATE,
    ...overrides,
  };
}

const lines = (mime: string) => mime.split("\r\n");

describe("addresses", () => {
  it("reads bare addresses, display names, quoted names with commas and lists in one string", () => {
    expect(parseMailbox("ada@example.com", "to")).toEqual({ address: "ada@example.com" });
    expect(parseMailbox("  Ada Lovelace <ada@example.com> ", "to")).toEqual({ name: "Ada Lovelace", address: "ada@example.com" });
    expect(parseMailbox('"Lovelace, Ada" <ada@example.com>', "to")).toEqual({ name: "Lovelace, Ada", address: "ada@example.com" });
    expect(parseMailboxList('"Lovelace, Ada" <ada@example.com>, bob@example.org,', "to")).toEqual([
      { name: "Lovelace, Ada", address: "ada@example.com" },
      { address: "bob@example.org" },
    ]);
    expect(parseMailboxList(["Zoë <zoe@example.com>", "x@example.com"], "cc")).toEqual([
      { name: "Zoë", address: "zoe@example.com" },
      { address: "x@example.com" },
    ]);
  });

  it("refuses what is not an address, naming the param and item", () => {
    for (const [value, message] of [
      ["not an address", "is not an email address"],
      ["ada@", "is not an email address"],
      ["zoë@example.com", "outside ASCII"],
      ["Ada <ada@exa mple.com>", "is not an email address"],
    ] as const) {
      expect(() => parseMailboxList(["ok@example.com", value], "to"), value).toThrow(
        expect.objectContaining({
          code: "invalid_address",
          retryable: false,
          message: expect.stringContaining(message),
          details: { param: "to[1]" },
        }),
      );
    }
  });

  it("refuses CR, LF and NUL in an address as header injection", () => {
    for (const value of ["ada@example.com\r\nBcc: eve@evil.test", "Ada\n <ada@example.com>", "ada@example.com\0"]) {
      expect(() => parseMailbox(value, "to")).toThrow(expect.objectContaining({ code: "header_injection", retryable: false }));
    }
  });

  it("lists envelope recipients once each, bcc included", () => {
    const message = email({
      to: [{ address: "a@x.test" }],
      cc: [{ address: "B@x.test" }, { address: "a@x.test" }],
      bcc: [{ address: "b@x.test" }, { address: "c@x.test" }],
    });
    expect(envelopeRecipients(message)).toEqual(["a@x.test", "B@x.test", "c@x.test"]);
  });
});

describe("custom headers", () => {
  it("accepts ordinary headers and refuses managed ones, bad names and line breaks", () => {
    expect(() => checkCustomHeader("X-Report-Id", "42")).not.toThrow();
    expect(() => checkCustomHeader("In-Reply-To", "<a@b>")).not.toThrow();
    expect(() => checkCustomHeader("Bcc", "eve@evil.test")).toThrow(
      expect.objectContaining({ code: "invalid_header", message: expect.stringContaining("use the param bcc") }),
    );
    expect(() => checkCustomHeader("Message-ID", "<x@y>")).toThrow(expect.objectContaining({ code: "invalid_header" }));
    expect(() => checkCustomHeader("X Bad", "1")).toThrow(expect.objectContaining({ code: "invalid_header" }));
    expect(() => checkCustomHeader("X-Ok", "1\r\nBcc: eve@evil.test")).toThrow(
      expect.objectContaining({ code: "header_injection", details: { param: "headers.X-Ok" } }),
    );
  });
});

describe("encodings", () => {
  it("splits encoded words between characters, each at most 75 long", () => {
    const words = encodedWords("ü".repeat(40) + "😀".repeat(20));
    for (const word of words) expect(word.length).toBeLessThanOrEqual(75);
    const decoded = words.map((w) => new TextDecoder().decode(Uint8Array.from(atob(w.slice(10, -2)), (c) => c.charCodeAt(0)))).join("");
    expect(decoded).toBe("ü".repeat(40) + "😀".repeat(20));
  });

  it("writes quoted-printable lines of at most 76 characters, encoding '=', trailing spaces and bytes over 127", () => {
    const qp = quotedPrintable(`a=b \n${"x".repeat(200)}\nÄ\ttab `);
    for (const line of lines(qp)) expect(line.length).toBeLessThanOrEqual(76);
    expect(qp.startsWith("a=3Db=20\r\n")).toBe(true);
    expect(qp.endsWith("=C3=84\ttab=20")).toBe(true);
  });
});

describe("buildMime", () => {
  it("writes the headers in order, without Bcc, with a Date, the Message-ID and MIME-Version", () => {
    const mime = buildMime(
      email({
        cc: [{ name: "Lovelace, Ada", address: "ada2@example.com" }],
        bcc: [{ address: "secret@example.com" }],
        replyTo: [{ address: "replies@example.com" }],
        headers: [["X-Report-Id", "42"]],
      }),
    );
    const head = mime.slice(0, mime.indexOf("\r\n\r\n"));
    expect(lines(head)).toEqual([
      "Date: Fri, 02 Jan 2026 03:04:05 +0000",
      "From: Reports <reports@example.com>",
      "To: ada@example.com",
      'Cc: "Lovelace, Ada" <ada2@example.com>',
      "Reply-To: replies@example.com",
      "Subject: Weekly report",
      "Message-ID: <abc123@example.com>",
      "X-Report-Id: 42",
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: quoted-printable",
    ]);
    expect(mime).not.toContain("secret@example.com");
  });

  it("is read back the same by mailparser and postal-mime: UTF-8 names and subject, both bodies, attachments", async () => {
    const pdf = Uint8Array.from({ length: 3000 }, (_, i) => (i * 37) % 256);
    const message = email({
      from: { name: "Zoë Rapport — Bot", address: "reports@example.com" },
      to: [{ name: "Ada Lovelace", address: "ada@example.com" }, { address: "bob@example.org" }],
      cc: [{ name: 'Jürgen, "JJ"', address: "jj@example.com" }],
      subject: "Wöchentlicher Bericht 📈 — " + "lang ".repeat(30),
      text: "Grüße\n.\n..starts with dots\nline with trailing space \nend",
      html: "<p>Grüße <b>=</b></p>",
      attachments: [
        { filename: "report.pdf", contentType: "application/pdf", content: pdf },
        { filename: "Übersicht.csv", contentType: "text/csv", content: new TextEncoder().encode("a,b\n1,2\n") },
      ],
      headers: [["X-Note", "Ünïcode value"]],
    });
    const mime = buildMime(message);
    expect([...mime].every((c) => c.charCodeAt(0) < 128)).toBe(true);
    for (const line of lines(mime)) expect(line.length).toBeLessThanOrEqual(998);

    const parsed = await simpleParser(mime);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.from?.value).toEqual([{ name: "Zoë Rapport — Bot", address: "reports@example.com" }]);
    expect(parsed.cc && !Array.isArray(parsed.cc) ? parsed.cc.value : null).toEqual([{ name: 'Jürgen, "JJ"', address: "jj@example.com" }]);
    expect(parsed.messageId).toBe("<abc123@example.com>");
    expect(parsed.text).toBe("Grüße\n.\n..starts with dots\nline with trailing space \nend");
    expect(parsed.html).toBe("<p>Grüße <b>=</b></p>");
    // mailparser leaves headers it does not know encoded; postal-mime's decodeWords is what parseEmail uses.
    expect(parsed.headers.get("x-note")).toBe("=?UTF-8?B?w5xuw69jb2RlIHZhbHVl?=");
    expect(parsed.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ["report.pdf", "application/pdf", 3000],
      ["Übersicht.csv", "text/csv", 8],
    ]);
    expect(new Uint8Array(parsed.attachments[0]!.content)).toEqual(pdf);

    const ours = await parseEmail(mime);
    expect(ours).toMatchObject({
      message_id: "<abc123@example.com>",
      subject: message.subject,
      from: { name: "Zoë Rapport — Bot", address: "reports@example.com" },
      to: [
        { name: "Ada Lovelace", address: "ada@example.com" },
        { name: "", address: "bob@example.org" },
      ],
      html: "<p>Grüße <b>=</b></p>",
      headers: expect.objectContaining({ "x-note": "Ünïcode value" }),
    });
    expect(ours.attachments.map((a) => [a.filename, a.content_type, a.size, a.truncated])).toEqual([
      ["report.pdf", "application/pdf", 3000, false],
      ["Übersicht.csv", "text/csv", 8, false],
    ]);
    expect(ours.attachments[1]!.content).toBe(btoa("a,b\n1,2\n"));
  });

  it("nests alternative inside mixed, and writes the same bytes for the same message", () => {
    const message = email({
      html: "<p>x</p>",
      attachments: [{ filename: "a.txt", contentType: "text/plain", content: new Uint8Array([104, 105]) }],
    });
    const mime = buildMime(message);
    expect(mime).toMatch(/Content-Type: multipart\/mixed; boundary="=_fr_[^"]+_mix"/);
    expect(mime).toMatch(/Content-Type: multipart\/alternative; boundary="=_fr_[^"]+_alt"/);
    expect(mime.indexOf("text/plain; charset=utf-8")).toBeLessThan(mime.indexOf("text/html; charset=utf-8"));
    expect(buildMime(message)).toBe(mime);
  });

  it("round-trips any subject, display name and body through postal-mime", async () => {
    const text = fc.string({ unit: "grapheme", maxLength: 120 });
    await fc.assert(
      fc.asyncProperty(text, text, fc.string({ unit: "grapheme", maxLength: 300 }), async (subject, name, body) => {
        const clean = (s: string) => s.replace(/[\r\n\0]/g, " ");
        const message = email({ subject: clean(subject), from: { name: clean(name) || "x", address: "a@example.com" }, text: body });
        const mime = buildMime(message);
        for (const line of lines(mime)) expect(line.length).toBeLessThanOrEqual(998);
        const parsed = await parseEmail(mime);
        expect(parsed.subject.trim()).toBe(message.subject.trim());
        expect(parsed.from!.name.trim()).toBe(message.from.name!.trim());
        // postal-mime ends a quoted-printable text with a line break, whether or not it had one.
        expect((parsed.text ?? "").replace(/\n$/, "")).toBe(body.replace(/\r\n|\r/g, "\n").replace(/\n$/, ""));
      }),
      { numRuns: 150 },
    );
  });
});

describe("parseEmail", () => {
  it("keeps attachment content up to the budget and marks the rest truncated", async () => {
    const message = email({
      attachments: [
        { filename: "small.bin", contentType: "application/octet-stream", content: new Uint8Array(10) },
        { filename: "big.bin", contentType: "application/octet-stream", content: new Uint8Array(100) },
      ],
    });
    const parsed = await parseEmail(buildMime(message), { maxAttachmentBytes: 50 });
    expect(parsed.attachments.map((a) => [a.filename, a.size, a.truncated, a.content === null])).toEqual([
      ["small.bin", 10, false, false],
      ["big.bin", 100, true, true],
    ]);
  });
});

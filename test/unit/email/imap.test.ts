/** The parts of the IMAP client that need no server: names in modified UTF-7, dates, response tokens. */
import { describe, expect, it } from "vitest";
import { imapDate, mailboxName, tokens } from "../../../src/email/imap";

describe("IMAP encoding", () => {
  it("writes mailbox names in modified UTF-7 (RFC 3501 §5.1.3)", () => {
    expect(mailboxName("INBOX")).toBe("INBOX");
    expect(mailboxName("Entwürfe")).toBe("Entw&APw-rfe");
    expect(mailboxName("Tom & Jerry")).toBe("Tom &- Jerry");
    // RFC 3501's own example, and a run that base64 would end with "/".
    expect(mailboxName("~peter/mail/台北/日本語")).toBe("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    expect(mailboxName("Ω")).toBe("&A6k-");
  });

  it("gives SEARCH the UTC day of a time", () => {
    expect(imapDate(Date.parse("2026-02-01T23:30:00-02:00"))).toBe("2-Feb-2026");
    expect(imapDate(Date.parse("2026-12-31T00:00:00Z"))).toBe("31-Dec-2026");
  });

  it("reads a FETCH response into atoms, quoted strings, lists, NIL and literals", () => {
    const literal = new TextEncoder().encode('Subject: Hi\r\n\r\nBody ) with ( parens "quoted"\r\n');
    const text = '* 3 FETCH (UID 7 FLAGS (\\Seen $Junk) INTERNALDATE "01-Mar-2026 08:30:00 +0000" X NIL BODY[] \u00000\u0000)';
    expect(tokens({ text, literals: [literal] }, "* 3 FETCH ".length)).toEqual([
      ["UID", "7", "FLAGS", ["\\Seen", "$Junk"], "INTERNALDATE", "01-Mar-2026 08:30:00 +0000", "X", null, "BODY", [], literal],
    ]);
    expect(tokens({ text: '* LIST () "/" "a \\"b\\""', literals: [] }, 7)).toEqual([[], "/", 'a "b"']);
  });
});

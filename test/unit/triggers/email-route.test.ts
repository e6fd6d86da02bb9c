import { describe, expect, it } from "vitest";
import type { ParsedEmail } from "../../../src/email/parse";
import { INPUT_BUDGET, jsonBytes } from "../../../src/input-budget";
import type { TriggerRecord } from "../../../src/storage/types";
import { emailRunInput } from "../../../src/triggers/email-input";
import { addressedTriggerId, addressMatches, routeByAddress, specificity } from "../../../src/triggers/email-route";

const record = (id: string, account: string, address: string | undefined, created: string): TriggerRecord => ({
  id,
  account_id: account,
  flow_id: `flw_${id}`,
  key: "email",
  kind: "email",
  source: "flow",
  flow_version: 1,
  config: { type: "email", id: "email", enabled: true, max_size: 1000, attachment_bytes: 0, ...(address ? { address } : {}) },
  paused: false,
  created_at: created,
  updated_at: created,
});

describe("addressMatches", () => {
  it.each([
    ["a@b.example", "A@B.example", true],
    ["a@b.example", "ab@b.example", false],
    ["*@b.example", "anyone@b.example", true],
    ["*@b.example", "anyone@c.b.example", false],
    ["*@*.b.example", "anyone@c.b.example", true],
    ["orders+*@b.example", "orders+eu@b.example", true],
    ["orders+*@b.example", "orders@b.example", false],
    ["a*a@x", "a@x", false],
    ["a*a@x", "aa@x", true],
    ["*x*y*@d", "1x2y3@d", true],
    ["*x*y*@d", "1y2x3@d", false],
  ])("%s against %s: %s", (pattern, address, expected) => {
    expect(addressMatches(pattern, address)).toBe(expected);
  });
});

describe("routing", () => {
  it("names a trigger by its id, with or without a +tag, in lower or upper case", () => {
    const id = `trg_${"a1".repeat(12)}b`;
    expect(addressedTriggerId(`${id}@x.example`)).toBe(id);
    expect(addressedTriggerId(`${id.toUpperCase()}+Invoices@x.example`)).toBe(id);
    expect(addressedTriggerId(`${id}x@x.example`)).toBeUndefined();
    expect(addressedTriggerId("support@x.example")).toBeUndefined();
  });

  it("ranks exact addresses over patterns, longer patterns over shorter", () => {
    expect(specificity("a@b")).toBeGreaterThan(specificity("*@very-long-domain.example"));
    expect(specificity("orders+*@b.example")).toBeGreaterThan(specificity("*@b.example"));
  });

  it("gives the message to one account: the most specific match, then the oldest declaration", () => {
    const declared = [
      record("t1", "acc_late", "support@d.example", "2026-12-02"),
      record("t2", "acc_early", "support@d.example", "2026-12-01"),
      record("t3", "acc_early", "*@d.example", "2026-12-01"),
      record("t4", "acc_late", "*@d.example", "2026-11-01"),
      record("t5", "acc_early", "support@d.example", "2026-12-03"),
    ];
    expect(routeByAddress("support@d.example", declared).map((r) => r.id)).toEqual(["t2", "t5", "t3"]);
    expect(routeByAddress("sales@d.example", declared).map((r) => r.id)).toEqual(["t4"]);
    expect(routeByAddress("sales@other.example", declared)).toEqual([]);
  });
});

describe("emailRunInput", () => {
  const email = (text: string, html: string | null, attachment: number): ParsedEmail => ({
    message_id: "<m@x>",
    in_reply_to: null,
    references: null,
    date: null,
    from: { name: "", address: "a@x" },
    to: [],
    cc: [],
    reply_to: [],
    subject: "s",
    text,
    html,
    headers: { subject: "s" },
    attachments: [
      {
        filename: "f.bin",
        content_type: "application/octet-stream",
        disposition: "attachment",
        content_id: null,
        size: attachment,
        content: "A".repeat(attachment),
        truncated: false,
      },
    ],
  });
  const envelope = { from: "a@x", to: "b@y" };
  const limit = INPUT_BUDGET.storedValueBytes;

  it("keeps a message that fits whole", () => {
    const input = emailRunInput(email("hi", "<p>hi</p>", 10), envelope, 100, "now");
    expect(input).toMatchObject({ text: "hi", html: "<p>hi</p>", truncated: false, envelope, size: 100 });
  });

  it("drops attachment content first, then HTML, then cuts the text, to fit the stored input", () => {
    const noContent = emailRunInput(email("hi", "<p>hi</p>", limit), envelope, 1, "now");
    expect(noContent).toMatchObject({ html: "<p>hi</p>", truncated: true, attachments: [{ content: null, truncated: true }] });
    const noHtml = emailRunInput(email("hi", "é".repeat(limit), 10), envelope, 1, "now");
    expect(noHtml).toMatchObject({ html: null, text: "hi", truncated: true });
    const cut = emailRunInput(email("€\u0001".repeat(limit), null, 10), envelope, 1, "now");
    expect(jsonBytes(cut)).toBeLessThanOrEqual(limit);
    expect((cut.text as string).length).toBeGreaterThan(limit / 8);
  });
});

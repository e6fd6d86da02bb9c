import { describe, expect, it } from "vitest";
import { retentionPeriod } from "../../src/services/retention";

const DAY = 86_400_000;

describe("retentionPeriod", () => {
  it("takes the flow's, then the account's, then the server's", () => {
    expect(retentionPeriod("12h", 3, 30)).toEqual({ ms: 12 * 3_600_000, source: "flow" });
    expect(retentionPeriod(undefined, 3, 30)).toEqual({ ms: 3 * DAY, source: "account" });
    expect(retentionPeriod(undefined, null, 30)).toEqual({ ms: 30 * DAY, source: "server" });
  });

  it("keeps forever on the flow's forever and on a zero from the account or the server", () => {
    expect(retentionPeriod("forever", 3, 30)).toEqual({ ms: null, source: "flow" });
    expect(retentionPeriod(undefined, 0, 30)).toEqual({ ms: null, source: "account" });
    expect(retentionPeriod(undefined, null, 0)).toEqual({ ms: null, source: "server" });
    // A flow's period wins even over an account that keeps forever.
    expect(retentionPeriod("1s", 0, 0)).toEqual({ ms: 1000, source: "flow" });
  });
});

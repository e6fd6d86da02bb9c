import { describe, expect, it } from "vitest";
import { cronError } from "../../../src/flow";
import { cronSchedule } from "../../../src/flow/cron";

describe("cronError", () => {
  it.each([
    "* * * * *",
    "0 9 * * MON-FRI",
    "*/15 9-17 * * 1-5",
    "0 0 1,15 * ?",
    "30 2 * JAN,jul sun",
    "0 0 * * 7",
    "5/10 * * * *",
    "0 30 9 * * *",
    "  0 12 * * *  ",
    "@hourly",
    "@daily",
    "@every 1h30m",
    // croner's extensions: '?' is '*', last day (L), last weekday (LW), nearest weekday (15W), nth and last weekday of the month.
    "? * * * *",
    "0 0 L * *",
    "0 0 LW * *",
    "0 0 15W * *",
    "0 0 * * 5#2",
    "0 0 * * 5L",
    "@HOURLY",
  ])("accepts %j", (expression) => {
    expect(cronError(expression)).toBeUndefined();
  });

  it.each([
    ["* * * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got 4"],
    ["* * * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got 7"],
    ["60 * * * *", "minute value 60 is out of range 0-59"],
    ["0 0 0 * *", "day of month value 0 is out of range 1-31"],
    ["0 0 * 13 *", "month value 13 is out of range 1-12"],
    ["0 0 * * 8", "day of week value 8 is out of range 0-7"],
    ["0 0 * FOO *", "'FOO' is not a valid month (a number 1-12 or JAN-DEC)"],
    ["0 0 * * MON-XYZ", "'XYZ' is not a valid day of week (a number 0-7 or SUN-SAT)"],
    ["0 17-9 * * *", "range 17-9 in hour field goes backwards"],
    ["*/0 * * * *", "step '0' in minute field must be a positive number"],
    ["*/61 * * * *", "step 61 is larger than the minute range"],
    ["1/2/3 * * * *", "'1/2/3' has more than one '/' in minute field"],
    ["1-2-3 * * * *", "'1-2-3' is not a valid range in minute field"],
    ["1,,2 * * * *", "empty item in minute field"],
    ["0 0 L5 * *", "L has to be a value of its own in day-of-month ('L5')."],
    ["0 0 * * 5#9", "nth weekday out of range, should be 1-5 or L. Value: 9, Type: string"],
    ["0 0 * * */8", "steps cannot be greater than maximum value of part (7)"],
    ["0 0 30 2 *", "it never fires: no date has that day of month in those months"],
    ["0 0 31 4,6,9,11 ?", "it never fires: no date has that day of month in those months"],
    ["@reboot", "unknown macro '@reboot' (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or '@every <duration>')"],
    [
      "@hourly now",
      "unknown macro '@hourly now' (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or '@every <duration>')",
    ],
    ["@every 500ms", "'@every' needs one duration of at least 1s, e.g. '@every 1h30m'"],
    ["@every", "'@every' needs one duration of at least 1s, e.g. '@every 1h30m'"],
  ])("rejects %j", (expression, message) => {
    expect(cronError(expression)).toBe(message);
  });
});

describe("cronSchedule", () => {
  // Validation and fire times come from the same parse: what validates is what the scheduler runs.
  it.each([
    ["0 9 * * MON-FRI", "2026-01-03T12:00:00Z", "2026-01-05T09:00:00.000Z"],
    ["0 0 L * *", "2026-02-10T00:00:00Z", "2026-02-28T00:00:00.000Z"],
    ["5/10 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:05:00.000Z"],
    ["0 0 1,15 * ?", "2026-01-02T00:00:00Z", "2026-01-15T00:00:00.000Z"],
    ["30 30 0 * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:30:30.000Z"],
    ["0 0 13 * FRI", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00.000Z"],
    ["@weekly", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00.000Z"],
  ])("%j after %s fires at %s", (expression, from, next) => {
    expect(cronError(expression)).toBeUndefined();
    expect(cronSchedule(expression, { timezone: "UTC" }).nextRun(new Date(from))?.toISOString()).toBe(next);
  });

  it("refuses what validation refuses", () => {
    for (const expression of ["60 * * * *", "0 0 * FOO *", "* * * *", "@reboot"]) {
      expect(cronError(expression)).toBeDefined();
      expect(() => cronSchedule(expression)).toThrow();
    }
  });
});

import { describe, expect, it } from "vitest";
import { cronError } from "../../../src/flow";

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
    ["? * * * *", "'?' is only allowed in the day fields"],
    ["0 0 L * *", "'L' is not a valid day of month (a number 1-31)"],
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

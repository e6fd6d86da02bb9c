import { expect, it } from "vitest";
import { parseDuration } from "../../../src/lib/duration";

it.for([
  ["250ms", 250],
  ["30s", 30_000],
  ["5m", 300_000],
  ["1h30m", 5_400_000],
  ["2d", 172_800_000],
  ["1.5s", 1_500],
  ["10", 10_000],
  [" 7s ", 7_000],
] as const)("parses %s", ([text, ms]) => {
  expect(parseDuration(text)).toBe(ms);
});

it.for(["", "s", "10 x", "-5s", "1y", "5sm", "abc"])("rejects %j", (text) => {
  expect(parseDuration(text)).toBeUndefined();
});

it("treats numbers as seconds and rejects negatives", () => {
  expect(parseDuration(2)).toBe(2000);
  expect(parseDuration(-1)).toBeUndefined();
  expect(parseDuration(Number.NaN)).toBeUndefined();
});

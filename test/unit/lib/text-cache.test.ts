import { describe, expect, it } from "vitest";
import { TextCache } from "../../../src/lib/text-cache";

describe("TextCache", () => {
  it("remembers, evicts the oldest past its bounds, and skips long keys", () => {
    const cache = new TextCache<number>(2, 10, 5);
    let made = 0;
    const make = () => ++made;
    expect(cache.get("a", make)).toBe(1);
    expect(cache.get("a", make)).toBe(1);
    cache.get("b", make);
    cache.get("c", make); // evicts "a" (entry bound)
    expect(cache.get("a", make)).toBe(4);
    expect(cache.get("toolong", make)).toBe(5);
    expect(cache.get("toolong", make)).toBe(6);
    const chars = new TextCache<number>(10, 6, 5);
    chars.get("aaa", make);
    chars.get("bbb", make);
    chars.get("ccc", make); // 9 chars > 6: "aaa" goes
    expect(chars.get("bbb", make)).toBe(8);
    expect(chars.get("aaa", make)).toBe(10);
  });
});

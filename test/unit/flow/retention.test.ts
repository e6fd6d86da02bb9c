import { describe, expect, it } from "vitest";
import { validateFlow } from "../../../src/flow";
import { expectValid, only, yaml } from "./helpers";

const flowWith = (retention: string) =>
  yaml("metadata: {name: kept}", `retention: ${retention}`, "nodes:", "  a: {type: transform, params: {script: 'return 1'}}");

describe("the flow's retention", () => {
  it("accepts a duration or forever and keeps it in the definition as written", () => {
    for (const [written, kept] of [
      ["7d", "7d"],
      ["12h30m", "12h30m"],
      ["forever", "forever"],
      ["3600", "3600"],
    ]) {
      const result = validateFlow(flowWith(written!));
      expectValid(result);
      expect(result.flow!.retention).toBe(kept);
    }
  });

  it("leaves the definition without it when the flow does not say", () => {
    const result = validateFlow(yaml("metadata: {name: plain}", "nodes:", "  a: {type: transform, params: {script: 'return 1'}}"));
    expectValid(result);
    expect(result.flow).not.toHaveProperty("retention");
  });

  it("refuses zero, words and mappings with invalid_duration at the value's line", () => {
    for (const bad of ["0s", "a week", "{days: 3}", "never"]) {
      const result = validateFlow(flowWith(bad));
      expect(result.valid, bad).toBe(false);
      const issue = only(result.errors, "invalid_duration");
      expect(issue.path).toEqual(["retention"]);
      expect(issue.line).toBe(2);
      expect(issue.message).toMatch(/^retention: /);
    }
  });
});

import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { validateFlow } from "../../../src/flow";
import type { FlowIssue, ValidationResult } from "../../../src/flow";

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
}

/** Joins lines, so tests can show the YAML with exact line numbers. */
export const yaml = (...lines: string[]): string => `${lines.join("\n")}\n`;

/** The one issue with `code`; fails the test when there is not exactly one. */
export function only(issues: readonly FlowIssue[], code: string): FlowIssue {
  const matching = issues.filter((issue) => issue.code === code);
  expect(matching, `issues with code ${code} in ${JSON.stringify(issues, null, 2)}`).toHaveLength(1);
  return matching[0]!;
}

export function codes(issues: readonly FlowIssue[]): string[] {
  return issues.map((issue) => issue.code);
}

/** A flow with one node of `type` and these params, for param-level tests. */
export function singleNode(type: string, params: Record<string, unknown>, extra: Record<string, unknown> = {}): ValidationResult {
  const source = JSON.stringify({ metadata: { name: "t" }, nodes: { n: { type, params, ...extra } } });
  return validateFlow(source);
}

export function expectValid(result: ValidationResult): void {
  expect(result.errors, JSON.stringify(result.errors, null, 2)).toEqual([]);
  expect(result.valid).toBe(true);
  expect(result.flow).toBeDefined();
}

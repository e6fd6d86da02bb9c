import type { SandboxResult } from "../../../src/sandbox";

/** The value of a result that must have succeeded; otherwise the test fails with the error. */
export function value(result: SandboxResult) {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** The error of a result that must have failed. */
export function failure(result: SandboxResult) {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

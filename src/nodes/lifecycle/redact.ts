import { NodeError, type NodeOutcome } from "../../engine/outcome";
import type { Redactor } from "../../expressions";

export function redactOutcome(outcome: NodeOutcome, redactor: Redactor): NodeOutcome {
  const shared = outcome.shared === undefined ? {} : { shared: redactor.value(outcome.shared) };
  switch (outcome.kind) {
    case "done":
      // Scripts choose actions, and actions are stored with the step.
      return { ...outcome, action: redactor.string(outcome.action), output: redactor.value(outcome.output), ...shared };
    case "sleep":
      return { ...outcome, output: redactor.value(outcome.output), ...shared };
    case "subflow":
      return { ...outcome, input: redactor.value(outcome.input), ...shared };
    case "wait_event": {
      // What a paused node shows while it waits (a proposed tool call) is stored and shown.
      const { resume } = outcome;
      if (!resume || resume.data === undefined) return { ...outcome, ...shared };
      return { ...outcome, resume: { ...resume, data: redactor.value(resume.data) }, ...shared };
    }
  }
}

export function redactError(error: unknown, redactor: Redactor): NodeError {
  if (error instanceof NodeError) {
    return new NodeError(
      error.code,
      redactor.string(error.message),
      error.details === undefined ? undefined : redactor.value(error.details),
      error.retryable,
    );
  }
  return new NodeError("node_error", redactor.string(error instanceof Error ? error.message : String(error)));
}

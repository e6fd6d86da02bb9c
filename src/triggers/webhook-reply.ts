/**
 * The answer to a webhook call, from the run it started, per the trigger's `response` mode:
 * `immediate` answers 202 with the execution id; `last_node` the run's output once it completed
 * (502 `flow_failed` when it failed or was cancelled); `respond_node` the first `respond` step's
 * answer, else as `last_node`. A run still going (running, or waiting for an event or a timer) is
 * answered 202 like `immediate`. The answer is derived from the execution alone, so a repeated
 * delivery of the same call gets the same answer.
 */
import type { WebhookTrigger } from "../flow/triggers";
import { AppError } from "../errors";
import type { JsonValue } from "../lib/json";
import { readRespondOutput, type RespondOutput } from "../nodes/respond/response";
import type { ExecutionView } from "../services/execution-schemas";

export interface RunSoFar {
  execution: Pick<ExecutionView, "id" | "status" | "output" | "error">;
  /** The output of the run's first completed `respond` step, when one was looked for. */
  answer: JsonValue | null;
}

/** Statuses whose answer has no body (the Response constructor refuses one). */
const NULL_BODY = new Set([204, 205, 304]);

export const executionLocation = (id: string) => `/api/v1/executions/${id}`;

export function accepted(execution: RunSoFar["execution"]): Response {
  return Response.json(
    { execution_id: execution.id, status: execution.status },
    { status: 202, headers: { Location: executionLocation(execution.id) } },
  );
}

export function replyFor(mode: WebhookTrigger["response"], run: RunSoFar): Response {
  const { execution } = run;
  if (mode === "immediate") return accepted(execution);
  if (mode === "respond_node") {
    const answer = readRespondOutput(run.answer);
    if (answer) return answerResponse(answer);
  }
  if (execution.status === "completed") return Response.json(execution.output ?? null, { status: 200 });
  if (execution.status === "failed" || execution.status === "cancelled") return flowFailed(execution);
  return accepted(execution);
}

/**
 * The run's own error message stays in the execution, for the account to read: it may name
 * internal hosts or data, and the caller of a public URL is not the account.
 */
function flowFailed(execution: RunSoFar["execution"]): Response {
  const error = new AppError(502, "flow_failed", `The flow's run ${execution.status === "cancelled" ? "was cancelled" : "failed"}`, {
    execution_id: execution.id,
    status: execution.status,
    ...(execution.error ? { error_code: execution.error.code, node_id: execution.error.node_id } : {}),
  });
  return Response.json(error.toJSON(), { status: 502, headers: { Location: executionLocation(execution.id) } });
}

function answerResponse(answer: RespondOutput): Response {
  const headers = new Headers(answer.headers);
  if (NULL_BODY.has(answer.status)) return new Response(null, { status: answer.status, headers });
  if (typeof answer.body === "string") {
    if (!headers.has("Content-Type")) headers.set("Content-Type", "text/plain; charset=utf-8");
    return new Response(answer.body, { status: answer.status, headers });
  }
  if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers });
}

/**
 * What a webhook caller waits for: the first completed `respond` step of the run, or the run
 * pausing (waiting) or ending. The events the store announces say when one of these happened, so a
 * waiting caller costs nothing until then.
 */
import type { ExecutionStore } from "../../engine/store";
import type { EventType, ExecutionEvent, ExecutionState } from "../../engine/types";
import type { JsonValue } from "../../lib/json";

/** Events after which the run no longer runs: the caller gets its answer from the state then. */
const PAUSED_OR_ENDED: ReadonlySet<EventType> = new Set([
  "execution.waiting",
  "execution.completed",
  "execution.failed",
  "execution.cancelled",
]);

export const respondNodeIds = (state: ExecutionState): string[] =>
  Object.entries(state.flow.nodes)
    .filter(([, node]) => node.type === "respond")
    .map(([id]) => id);

/** The output of the earliest completed step of these nodes: the answer the run gave. */
export function firstAnswer(store: ExecutionStore, nodeIds: readonly string[]): JsonValue | null {
  let first: { seq: number; output: JsonValue | null } | null = null;
  for (const node_id of nodeIds) {
    const step = store.steps({ node_id, limit: 10_000 }).find((s) => s.status === "completed");
    if (step && (first === null || step.seq < first.seq)) first = step;
  }
  return first?.output ?? null;
}

export class AnswerWatch {
  private readonly waiters = new Set<(event: ExecutionEvent) => void>();

  /** Called with every event once its row is written. */
  notice(event: ExecutionEvent): void {
    for (const waiter of [...this.waiters]) waiter(event);
  }

  /**
   * Resolves at the first event that pauses or ends the run or completes one of `respondIds`, or
   * after `timeoutMs`. The caller checks the state first: this only waits for a change.
   */
  next(respondIds: readonly string[], timeoutMs: number): Promise<void> {
    if (timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      const waiter = (event: ExecutionEvent) => {
        const answered = event.type === "step.completed" && event.node_id !== null && respondIds.includes(event.node_id);
        if (answered || PAUSED_OR_ENDED.has(event.type)) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

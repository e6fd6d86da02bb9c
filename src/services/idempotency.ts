/**
 * The Idempotency-Key window (docs/execution.md#idempotency-key). A key's run id is derived from
 * the key and the window-long bucket the request falls in; a repeat also looks one bucket back, and
 * finds that run while it is younger than the window. So a repeat within IDEMPOTENCY_WINDOW_MS of the
 * first request answers the first run, a repeat after it starts a new one, and nothing is stored per
 * key beyond the run itself.
 */
import { derivedId } from "../lib/ids";
import type { ExecutionIndex } from "../storage/types";

export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

export interface IdempotentRun {
  accountId: string;
  flowId: string;
  key: string;
}

/** The execution id a keyed run request starts (or finds) at `now`. */
export async function idempotentRunId(index: Pick<ExecutionIndex, "get">, idKey: string, run: IdempotentRun, now: number): Promise<string> {
  const bucket = Math.floor(now / IDEMPOTENCY_WINDOW_MS);
  const idIn = (b: number) => derivedId("exe", idKey, `${run.accountId}:${run.flowId}:${run.key}:${b}`);
  // A run of this bucket is younger than the window by construction; one of the bucket before may be too.
  const previous = await index.get(run.accountId, await idIn(bucket - 1));
  if (previous && now - Date.parse(previous.created_at) < IDEMPOTENCY_WINDOW_MS) return previous.id;
  return idIn(bucket);
}

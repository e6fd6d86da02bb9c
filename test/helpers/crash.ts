/** The crash harness of the Workers tests: an execution object dies mid-run and is brought back as the runtime would. */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { getExecution, type ExecutionBody, type TestUser } from "./api";

export const stubOf = (id: string) => env.EXECUTIONS.get(env.EXECUTIONS.idFromName(id));

/** How many times the loopback server at `base` was hit under `key` (its `/hit/<key>` route). */
export async function hits(base: string, key: string): Promise<number> {
  return ((await (await fetch(`${base}/count/${key}`)).json()) as { count: number }).count;
}

/** Aborts the execution's object, as a machine failure would: what was not durable is lost. */
export async function crash(id: string): Promise<void> {
  try {
    await runInDurableObject(stubOf(id), (_instance, state: DurableObjectState) => state.abort("simulated crash"));
  } catch {
    // The abort surfaces as an error to whoever was talking to the object: that is the point.
  }
}

/**
 * Fires the object's alarm until the run is final, as the runtime would after a restart.
 * `beforeAlarm` runs first each time (a test that reaches into the restarted object).
 */
export async function recover(user: TestUser, id: string, beforeAlarm: () => Promise<void> = async () => {}): Promise<ExecutionBody> {
  for (let i = 0; i < 200; i++) {
    const view = await getExecution(user, id);
    if (["completed", "failed", "cancelled"].includes(view.status)) return view;
    await beforeAlarm();
    await runDurableObjectAlarm(stubOf(id));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`execution ${id} did not finish`);
}

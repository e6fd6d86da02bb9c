/** Crashing an execution object as the runtime would, and recovering it as the runtime does. */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { getExecution, type ExecutionBody, type TestUser } from "./api";

export const executionStub = (id: string) => env.EXECUTIONS.get(env.EXECUTIONS.idFromName(id));

/** Aborts the execution object: what its storage had not flushed is lost, as in a real crash. */
export async function crash(id: string): Promise<void> {
  try {
    await runInDurableObject(executionStub(id), (_instance, state: DurableObjectState) => state.abort("simulated crash"));
  } catch {
    // The abort surfaces as an error to whoever was talking to the object: that is the point.
  }
}

/** Fires the object's alarm until the run is final, as the runtime would after a restart. */
export async function recover(user: TestUser, id: string): Promise<ExecutionBody> {
  for (let i = 0; i < 200; i++) {
    const view = await getExecution(user, id);
    if (["completed", "failed", "cancelled"].includes(view.status)) return view;
    await runDurableObjectAlarm(executionStub(id));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`execution ${id} did not finish`);
}

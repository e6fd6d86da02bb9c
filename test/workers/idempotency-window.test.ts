import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_WINDOW_MS, idempotentRunId } from "../../src/services/idempotency";
import { createStorage } from "../../src/storage";
import type { ExecutionSummary } from "../../src/storage/types";
import { call, ECHO_FLOW, runFlow, saveFlow, signUp } from "../helpers/api";
import { executionSummary } from "./storage/conformance-kit";

const HOUR = 3_600_000;

function summary(id: string, accountId: string, createdAt: number): ExecutionSummary {
  const at = new Date(createdAt).toISOString();
  return executionSummary(accountId, { id, flow_id: "flw_orders", created_at: at, updated_at: at, finished_at: at });
}

describe("the Idempotency-Key window", () => {
  it("finds the first run for 24 hours, across the window's bucket boundary, and starts a new one after", async () => {
    const index = createStorage(env).executions;
    const user = await signUp();
    const run = { accountId: user.account_id, flowId: "flw_orders", key: "order-42" };
    const idKey = "test-id-key";
    // Two hours before a bucket boundary, so the repeats below cross it.
    const first = Math.floor(Date.now() / IDEMPOTENCY_WINDOW_MS) * IDEMPOTENCY_WINDOW_MS - 2 * HOUR;
    const firstId = await idempotentRunId(index, idKey, run, first);
    await index.upsert(summary(firstId, user.account_id, first));

    expect(await idempotentRunId(index, idKey, run, first + HOUR)).toBe(firstId);
    expect(await idempotentRunId(index, idKey, run, first + 3 * HOUR)).toBe(firstId);
    expect(await idempotentRunId(index, idKey, run, first + IDEMPOTENCY_WINDOW_MS - 1)).toBe(firstId);
    const after = first + IDEMPOTENCY_WINDOW_MS;
    const secondId = await idempotentRunId(index, idKey, run, after);
    expect(secondId).not.toBe(firstId);
    await index.upsert(summary(secondId, user.account_id, after));
    expect(await idempotentRunId(index, idKey, run, after + 20 * HOUR)).toBe(secondId);

    // Keys, flows and accounts never share runs.
    expect(await idempotentRunId(index, idKey, { ...run, key: "order-43" }, first + HOUR)).not.toBe(firstId);
    expect(await idempotentRunId(index, idKey, { ...run, flowId: "flw_other" }, first + HOUR)).not.toBe(firstId);
    const other = await signUp();
    expect(await idempotentRunId(index, idKey, { ...run, accountId: other.account_id }, first + HOUR)).not.toBe(firstId);
  });

  it("answers a repeat within the window with the first run, through the API", async () => {
    const user = await signUp();
    const flow = await saveFlow(user, ECHO_FLOW);
    const headers = { "Idempotency-Key": `k-${Math.random().toString(36).slice(2)}` };
    const first = await runFlow(user, flow, { n: 1 }, 5, headers);
    const res = await call(`/api/v1/flows/${flow}/run?wait=5`, {
      method: "POST",
      headers: { ...user.auth, ...headers },
      json: { input: { n: 2 } },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: first.id, output: { n: 1 } });
  });
});

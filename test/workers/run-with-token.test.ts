/**
 * Starting a run reads the API token and the flow together: every credential still answers as it
 * would alone (401 before anything about the flow, 404 for a flow the account does not have).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, ECHO_FLOW, expectError, saveFlow, signUp, type TestUser } from "../helpers/api";

async function apiToken(user: TestUser): Promise<{ id: string; token: string }> {
  const res = await call("/api/v1/tokens", { method: "POST", headers: user.auth, json: { name: "ci" } });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; token: string };
}

const run = (flowId: string, authorization: string) =>
  call(`/api/v1/flows/${flowId}/run`, { method: "POST", headers: { Authorization: authorization }, json: { input: { n: 1 } } });

describe("starting a run with an API token", () => {
  it("starts the account's flow with a Bearer token, in Basic, and with a dashboard session", async () => {
    const user = await signUp();
    const flowId = await saveFlow(user, ECHO_FLOW);
    const { token } = await apiToken(user);
    for (const authorization of [`Bearer ${token}`, `Basic ${btoa(`${user.username}:${token}`)}`, `Bearer ${user.token}`]) {
      const res = await run(flowId, authorization);
      expect(res.status, await res.clone().text()).toBe(201);
      expect(((await res.json()) as { flow_id: string }).flow_id).toBe(flowId);
    }
  });

  it("answers 404 for a flow the account does not have, its own missing or another's", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const alicesFlow = await saveFlow(alice, ECHO_FLOW);
    const { token } = await apiToken(bob);
    const missing = await expectError(await run("flw_0123456789abcdefghijklmno", `Bearer ${token}`), 404, "not_found");
    const foreign = await expectError(await run(alicesFlow, `Bearer ${token}`), 404, "not_found");
    expect(foreign).toEqual(missing);
  });

  it("answers the same 401 to an unknown, revoked or expired token whether the flow exists or not", async () => {
    const user = await signUp();
    const flowId = await saveFlow(user, ECHO_FLOW);
    const revoked = await apiToken(user);
    expect((await call(`/api/v1/tokens/${revoked.id}`, { method: "DELETE", headers: user.auth })).status).toBe(204);
    const expired = await apiToken(user);
    await env.DB.prepare("UPDATE api_tokens SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), expired.id)
      .run();
    const unknown = `frt_${"0".repeat(40)}`;
    const answers = [];
    for (const token of [unknown, revoked.token, expired.token]) {
      for (const id of [flowId, "flw_0123456789abcdefghijklmno"])
        answers.push(await expectError(await run(id, `Bearer ${token}`), 401, "unauthorized"));
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });
});

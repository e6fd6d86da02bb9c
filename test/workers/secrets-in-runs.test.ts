/**
 * How a run reads the vault: once per secret for its steps (the execution object keeps what it
 * read, see docs/security.md "Secrets during a run"), its use recorded at most once, values still
 * redacted, and what a rotation or deletion during the run does.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SecretCache } from "../../src/services/secret-cache";
import { call, getExecution, runFlow, saveFlow, signUp, untilStatus, yaml, type TestUser } from "../helpers/api";
import { stubOf } from "../helpers/crash";

const HTTP = inject("httpBase");
const STEPS = 8;

const put = (user: TestUser, key: string, json: unknown) =>
  call(`/api/v1/accounts/me/secrets/${key}`, { method: "PUT", headers: user.auth, json });
const remove = (user: TestUser, key: string) => call(`/api/v1/accounts/me/secrets/${key}`, { method: "DELETE", headers: user.auth });
const sendEvent = (user: TestUser, id: string, name: string) =>
  call(`/api/v1/executions/${id}/events/${name}`, { method: "POST", headers: user.auth, json: {} });

/** Vault reads and use records the run's execution object made. */
const cacheStats = (id: string) =>
  runInDurableObject(stubOf(id), (instance) => ({ ...(instance as unknown as { secrets: SecretCache }).secrets.stats }));

/** Writes of `last_used_at` the account database received for the account's secrets (a trigger counts them). */
async function touchesOf(accountId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM test_secret_touches WHERE account_id = ?")
    .bind(accountId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("CREATE TABLE IF NOT EXISTS test_secret_touches (account_id TEXT, key TEXT, at TEXT)"),
    env.DB.prepare(
      `CREATE TRIGGER IF NOT EXISTS test_count_secret_touches AFTER UPDATE OF last_used_at ON secrets
       BEGIN INSERT INTO test_secret_touches VALUES (NEW.account_id, NEW.key, NEW.last_used_at); END`,
    ),
  ]);
});

afterAll(async () => {
  await env.DB.batch([env.DB.prepare("DROP TRIGGER test_count_secret_touches"), env.DB.prepare("DROP TABLE test_secret_touches")]);
});

/** Steps that alternate: an HTTP call with the key in a header, and a script that logs and returns the key. */
function chain(inspectKey: string): string {
  const nodes: string[] = [];
  for (let i = 0; i < STEPS; i++) {
    const next = i < STEPS - 1 ? `, next: {default: s${i + 1}}` : "";
    nodes.push(
      i % 2 === 0
        ? `  s${i}: {type: http.request, params: {url: "${HTTP}/inspect/${inspectKey}", headers: {Authorization: "Bearer \${secrets.KEY}"}}${next}}`
        : `  s${i}: {type: transform, params: {script: "console.log('key', secrets.KEY); shared['k${i}'] = secrets.KEY; return { key: secrets.KEY, length: secrets.KEY.length }"}${next}}`,
    );
  }
  return `metadata: {name: One key, many steps}\nnodes:\n${nodes.join("\n")}\n`;
}

describe("a run's secrets", () => {
  it("reads a secret named by every step once, records its use once, and still redacts it", async () => {
    const user = await signUp();
    const startedAt = Date.now();
    const KEY = `sk-cached-${crypto.randomUUID()}`;
    expect((await put(user, "KEY", { value: KEY })).status).toBe(201);
    const inspectKey = crypto.randomUUID();
    const run = await runFlow(user, await saveFlow(user, chain(inspectKey)));
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ key: "[REDACTED]", length: KEY.length });

    // Every step had the value: each HTTP call sent it.
    const inspected = (await (await fetch(`${HTTP}/inspected/${inspectKey}`)).json()) as { headers: Record<string, string> }[];
    expect(inspected.map((r) => r.headers.authorization)).toEqual(Array(STEPS / 2).fill(`Bearer ${KEY}`));
    // …from one vault read, and one record of its use.
    expect(await cacheStats(run.id)).toEqual({ reads: 1, touches: 1 });
    await expect.poll(() => touchesOf(user.account_id)).toBe(1);
    const listed = (await (await call("/api/v1/accounts/me/secrets/KEY", { headers: user.auth })).json()) as { last_used_at: string };
    expect(Date.parse(listed.last_used_at)).toBeGreaterThanOrEqual(startedAt - 1000);

    // Steps that got the value from what the object kept redact it as those that read the vault.
    const surfaces = await Promise.all(
      [`/api/v1/executions/${run.id}`, `/api/v1/executions/${run.id}/steps?full=true`, `/api/v1/executions/${run.id}/logs`].map(
        async (path) => (await call(path, { headers: user.auth })).text(),
      ),
    );
    for (const text of surfaces) expect(text).not.toContain(KEY);
    expect(surfaces[2]!.match(/key \[REDACTED\]/g)).toHaveLength(STEPS / 2);
    const stored = await runInDurableObject(stubOf(run.id), (_instance, state: DurableObjectState) =>
      JSON.stringify([
        ...state.storage.sql.exec("SELECT * FROM steps").toArray(),
        ...state.storage.sql.exec("SELECT * FROM events").toArray(),
      ]),
    );
    expect(stored).toContain("[REDACTED]");
    expect(stored).not.toContain(KEY);

    // Another run is another object: it reads the vault itself.
    const again = await runFlow(user, await saveFlow(user, chain(crypto.randomUUID())));
    expect(await cacheStats(again.id)).toEqual({ reads: 1, touches: 1 });
  });

  const HELD = yaml`
metadata: {name: Deleted during the run}
nodes:
  before: {type: transform, params: {script: "return secrets.KEY === undefined ? 'absent' : 'had ' + secrets.KEY.length"}, next: {default: hold}}
  hold: {type: wait, params: {type: event, event: go}, next: {default: after}}
  after: {type: transform, params: {script: "return secrets.KEY === undefined ? 'absent' : secrets.KEY.slice(0, 4)"}, next: {default: aws}}
  aws:
    type: dynamodb
    params: {operation: get, key: k, credentials: AWS, endpoint: "${HTTP}/inspect/AWS_INSPECT/400", timeout: 5s}
    next: {error: report}
  report: {type: transform, params: {script: "return { after: results.after, aws: input.code }"}}
`;

  it("keeps using a secret deleted or replaced during the run for up to a minute; a new run sees the change", async () => {
    const user = await signUp();
    const accessKey = `AKIA${crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase()}`;
    await put(user, "KEY", { value: "old1-value-abcdef" });
    await put(user, "AWS", { type: "aws", data: { access_key_id: accessKey, secret_access_key: "aws-secret-0123456789" } });
    const inspect = crypto.randomUUID();
    const flow = await saveFlow(user, HELD.replace("AWS_INSPECT", inspect));

    const first = await runFlow(user, flow, {}, 0);
    await untilStatus(user, first.id, "waiting");
    // The run has read KEY (before) but not AWS: deleting both, and replacing KEY, during the wait.
    expect((await put(user, "KEY", { value: "new2-value-abcdef" })).status).toBe(200);
    expect((await remove(user, "AWS")).status).toBe(204);
    expect((await sendEvent(user, first.id, "go")).status).toBeLessThan(300);
    const done = await getExecution(user, first.id, 10);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    // `after` read KEY within the minute: the value the run read first. AWS was never read by this
    // run, so its deletion shows at once: ctx.secret fails with secret_not_found, as it always has.
    expect(done.output).toEqual({ after: "old1", aws: "secret_not_found" });

    // A new run reads the vault: the new KEY, and no AWS.
    const second = await runFlow(user, flow, {}, 0);
    await untilStatus(user, second.id, "waiting");
    await sendEvent(user, second.id, "go");
    expect((await getExecution(user, second.id, 10)).output).toEqual({ after: "new2", aws: "secret_not_found" });
  });

  it("keeps a secret ctx.secret read for the run even when it is deleted during it", async () => {
    const user = await signUp();
    const accessKey = `AKIA${crypto.randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase()}`;
    await put(user, "KEY", { value: "any1-value-abcdef" });
    await put(user, "AWS", { type: "aws", data: { access_key_id: accessKey, secret_access_key: "aws-secret-0123456789" } });
    const inspect = crypto.randomUUID();
    // Here the AWS secret is read before the wait, by a first dynamodb step.
    const flow = await saveFlow(
      user,
      HELD.replace("AWS_INSPECT", inspect).replace(
        "  before: {type: transform,",
        `  first_aws: {type: dynamodb, params: {operation: get, key: k, credentials: AWS, endpoint: "${HTTP}/inspect/${inspect}/400", timeout: 5s}, next: {error: before}}\n  before: {type: transform,`,
      ),
    );
    const run = await runFlow(user, flow, {}, 0);
    await untilStatus(user, run.id, "waiting");
    expect((await remove(user, "AWS")).status).toBe(204);
    await sendEvent(user, run.id, "go");
    const done = await getExecution(user, run.id, 10);
    // The second dynamodb step signed its request with the deleted secret (it got past ctx.secret to
    // the server, which answered 400) rather than failing with secret_not_found.
    expect((done.output as { aws: string }).aws).not.toBe("secret_not_found");
    const requests = (await (await fetch(`${HTTP}/inspected/${inspect}`)).json()) as { headers: Record<string, string> }[];
    expect(requests).toHaveLength(2);
    for (const r of requests) expect(r.headers.authorization).toContain(`Credential=${accessKey}/`);
    expect(await cacheStats(run.id)).toMatchObject({ reads: 2 });
  });

  it("a retried attempt reads the vault again, so replacing a rejected key lets the run recover", async () => {
    const user = await signUp();
    await put(user, "KEY", { value: "stale-key-000000" });
    const flow = await saveFlow(
      user,
      yaml`
metadata: {name: Retry with a new key}
nodes:
  first: {type: transform, params: {script: "return secrets.KEY.length"}, next: {default: check}}
  check:
    type: transform
    params: {script: "if (secrets.KEY !== 'fresh-key-111111') throw new Error('rejected key'); return 'recovered'"}
    retry: {max_retries: 1, wait: 2s}
`,
    );
    const run = await runFlow(user, flow, {}, 0);
    // The first attempt of `check` failed with the kept (stale) key; the retry waits.
    await untilStatus(user, run.id, "waiting");
    expect((await put(user, "KEY", { value: "fresh-key-111111" })).status).toBe(200);
    const done = await getExecution(user, run.id, 10);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    expect(done.output).toBe("recovered");
    expect(await cacheStats(run.id)).toEqual({ reads: 2, touches: 1 });
  });
});

/** The webhook node in the lifecycle: delivery ids per batch item, and 5xx retried only while the retry policy allows. */
import { describe, expect, it } from "vitest";
import { EXECUTION, done, fail, fakeFetch, run } from "./helpers";

const retry = { max_retries: 2, wait: "1s" };

describe("webhook", () => {
  it("gives each batch item its own webhook-id, the same on every attempt", async () => {
    const ids = async (attempt: number) => {
      const fake = fakeFetch(() => ({ body: { ok: true } }));
      const { outcome } = await run(
        { type: "webhook", params: { url: "https://hooks.example.com/in", body: "${input}" }, batch: { items: "${input}" } },
        { input: ["a", "b"], attempt },
        { fetch: fake.fetch },
      );
      expect((done(outcome).output as { webhook_id: string }[]).map((o) => o.webhook_id)).toEqual(
        fake.calls.map((c) => c.headers["webhook-id"]),
      );
      return fake.calls.map((c) => c.headers["webhook-id"]);
    };
    const first = await ids(1);
    expect(first).toEqual([`${EXECUTION.id}:step:1:item-0`, `${EXECUTION.id}:step:1:item-1`]);
    expect(await ids(2)).toEqual(first);
  });

  it("raises a retryable webhook_failed on a 5xx while retries are left", async () => {
    const fake = fakeFetch(() => ({ status: 503, body: { down: true } }));
    const { error } = await fail(
      { type: "webhook", params: { url: "https://hooks.example.com/in", body: {} }, retry },
      { attempt: 2 },
      { fetch: fake.fetch },
    );
    expect(error).toMatchObject({
      code: "webhook_failed",
      retryable: true,
      details: { status_code: 503, webhook_id: `${EXECUTION.id}:step:1`, attempts: 2 },
    });
  });

  it.for([
    ["on the last attempt", { retry }, 3],
    ["without a retry policy", {}, 1],
  ] as const)("finishes with server_error on a 5xx %s", async ([, policy, attempt]) => {
    const fake = fakeFetch(() => ({ status: 502, body: { down: true } }));
    const { outcome } = await run(
      { type: "webhook", params: { url: "https://hooks.example.com/in" }, ...policy },
      { attempt },
      { fetch: fake.fetch },
    );
    expect(done(outcome).action).toBe("server_error");
    expect(done(outcome).output).toMatchObject({ status_code: 502, success: false, attempts: attempt, response: { down: true } });
    // No body param: nothing is sent, and the empty body is what is signed.
    expect(fake.calls[0]!.body).toBeNull();
  });

  it("does not follow a redirect: the delivery did not happen", async () => {
    const fake = fakeFetch(() => ({ status: 307, body: null }));
    const { outcome } = await run(
      { type: "webhook", params: { url: "https://hooks.example.com/in", body: [1] } },
      {},
      { fetch: fake.fetch },
    );
    expect(done(outcome)).toMatchObject({ action: "default", output: { status_code: 307, success: false } });
    expect(fake.calls).toHaveLength(1);
  });
});

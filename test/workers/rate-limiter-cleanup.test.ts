import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { durableThrottle } from "../../src/objects/throttle";
import { call, expectError } from "../helpers/api";

const stubFor = (name: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
const stored = (name: string) =>
  runInDurableObject(stubFor(name), async (_instance, state: DurableObjectState) => ({
    entries: (await state.storage.list()).size,
    alarm: await state.storage.getAlarm(),
  }));

it("empties a counter's object once its window is over, so a key seen once leaves nothing behind", async () => {
  const key = `cleanup-${Math.random().toString(36).slice(2)}`;
  const throttle = durableThrottle(env, 3, 1, "login");
  const before = Date.now();
  await throttle.fail(key);
  await throttle.fail(key);
  const open = await stored(`login:${key}`);
  expect(open.entries).toBe(1);
  expect(open.alarm).toBeGreaterThanOrEqual(before + 1000);
  expect(open.alarm).toBeLessThanOrEqual(Date.now() + 1000);

  // Before the window ends the alarm only re-arms; after it, the object is empty.
  await runDurableObjectAlarm(stubFor(`login:${key}`));
  expect((await stored(`login:${key}`)).entries).toBe(1);
  while (Date.now() <= open.alarm!) await new Promise((r) => setTimeout(r, 25));
  await runDurableObjectAlarm(stubFor(`login:${key}`));
  expect(await stored(`login:${key}`)).toEqual({ entries: 0, alarm: null });
  expect(await throttle.check(key)).toMatchObject({ blocked: false });
});

it("still refuses logins past the limit within the window", async () => {
  const username = `nobody${Math.random().toString(36).slice(2, 8)}`;
  // An address no other test uses: the per-address counter is shared by every file in this workerd.
  const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
  for (let i = 0; i < 10; i++) {
    await expectError(
      await call("/api/v1/login", {
        method: "POST",
        headers: { "CF-Connecting-IP": ip },
        json: { username, password: "wrong-password" },
      }),
      401,
      "unauthorized",
    );
  }
  await expectError(await call("/api/v1/login", { method: "POST", json: { username, password: "wrong-password" } }), 429, "rate_limited");
});

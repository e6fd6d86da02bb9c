import { createApp } from "./app";
import { parseConfig, type Env } from "./env";
import { executionStub } from "./objects/execution/rpc";
import { durableRequestLimiter, durableThrottle, durableWindowLimiter } from "./objects/throttle";
import { createServices } from "./services";
import { createStorage } from "./storage";
import { createVault } from "./vault";

export { ExecutionObject } from "./objects/execution/object";
export { RateLimiter } from "./objects/rate-limiter";

let warnedDevSecret = false;

const app = createApp((env: Env, defer) => {
  const config = parseConfig(env);
  if (config.usingDevJwtSecret && !warnedDevSecret) {
    warnedDevSecret = true;
    console.warn(
      "WARNING: JWT_SECRET is not set; using the built-in development secret. Set it with `wrangler secret put JWT_SECRET` before deploying.",
    );
  }
  const storage = createStorage(env, { defer });
  return createServices({
    config,
    storage,
    throttle: durableThrottle(env, config.loginMaxFailures, config.loginWindowSeconds, "login"),
    execution: (id) => executionStub(env.EXECUTIONS, id),
    limiter: durableRequestLimiter(env, config.rateLimitRequests, config.rateLimitWindowSeconds, "api"),
    hookLimiter: durableWindowLimiter(env, "hook"),
    vault: createVault(storage.secrets, env.VAULT_MASTER_KEYS, env.VAULT_ACTIVE_KEY_ID),
    defer,
    // Replaced by the schedule objects' control when they land.
    schedules: { refresh: async () => {} },
  });
});

export default {
  fetch: app.fetch,
  /** Every minute: finish any master-key rotation by re-wrapping data keys still under an old key. */
  async scheduled(_controller, env, ctx) {
    const storage = createStorage(env, { defer: (work) => ctx.waitUntil(work) });
    const rotation = createVault(storage.secrets, env.VAULT_MASTER_KEYS, env.VAULT_ACTIVE_KEY_ID)
      .rotate(100)
      .then(({ rewrapped, unreadable }) => {
        if (rewrapped > 0) console.log(`vault: re-wrapped ${rewrapped} data keys under the active master key`);
        if (unreadable.length > 0)
          console.error(`vault: ${unreadable.length} data keys are wrapped by a master key that is no longer configured`);
      });
    ctx.waitUntil(rotation);
  },
} satisfies ExportedHandler<Env>;

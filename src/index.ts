import { createApp } from "./app";
import { parseConfig, type Env } from "./env";
import { executionStub } from "./objects/execution/rpc";
import { durableThrottle } from "./objects/throttle";
import { createServices } from "./services";
import { createD1Storage } from "./storage/d1";

export { ExecutionObject } from "./objects/execution/object";
export { RateLimiter } from "./objects/rate-limiter";

let warnedDevSecret = false;

const app = createApp((env: Env, defer) => {
  const config = parseConfig(env);
  if (config.usingDevJwtSecret && !warnedDevSecret) {
    warnedDevSecret = true;
    console.warn("WARNING: JWT_SECRET is not set; using the built-in development secret. Set it with `wrangler secret put JWT_SECRET` before deploying.");
  }
  return createServices({
    config,
    storage: createD1Storage(env.DB),
    throttle: durableThrottle(env, config.loginMaxFailures, config.loginWindowSeconds, "login"),
    execution: (id) => executionStub(env.EXECUTIONS, id),
    defer,
  });
});

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;

import { createApp } from "./app";
import { parseConfig, type Env } from "./env";
import { deliveryStub } from "./objects/deliveries/rpc";
import { executionStub } from "./objects/execution/rpc";
import { operationStub } from "./objects/operations/rpc";
import { scheduleStub } from "./objects/schedule/rpc";
import { storeStub } from "./objects/store/rpc";
import { durableRequestLimiter, durableThrottle, durableWindowLimiter } from "./objects/throttle";
import { createServices } from "./services";
import { remoteKeyValueStore } from "./services/store-client";
import { rearmSchedules } from "./services/schedule-control";
import { sweepAudit } from "./services/retention";
import { createStorage } from "./storage";
import { refusedInProduction } from "./services/readiness";
import { createVault } from "./vault";
import { asError, levelFromEnv, log } from "./lib/log";

export { DeliveryObject } from "./objects/deliveries/object";
export { ExecutionObject } from "./objects/execution/object";
export { OperationObject } from "./objects/operations/object";
export { RateLimiter } from "./objects/rate-limiter";
export { ScheduleObject } from "./objects/schedule/object";
export { StoreObject } from "./objects/store/object";
export { VectorObject } from "./objects/vectors/object";

let warnedDevSecret = false;

function servicesFor(env: Env, defer: (work: Promise<unknown>) => void) {
  const config = parseConfig(env);
  if (config.usingDevJwtSecret && !warnedDevSecret) {
    warnedDevSecret = true;
    log.warn(
      "JWT_SECRET is not set; using the built-in development secret. Set it with `wrangler secret put JWT_SECRET` before deploying.",
    );
  }
  const storage = createStorage(env, { defer });
  return createServices({
    config,
    storage,
    throttle: durableThrottle(env, config.loginMaxFailures, config.loginWindowSeconds, "login"),
    execution: (id) => executionStub(env.EXECUTIONS, id),
    deliveries: (id) => deliveryStub(env.DELIVERIES, id),
    operation: (id) => operationStub(env.OPERATIONS, id),
    limiter: durableRequestLimiter(env, config.rateLimitRequests, config.rateLimitWindowSeconds, "api"),
    hookLimiter: durableWindowLimiter(env, "hook"),
    vault: createVault(storage.secrets, env.VAULT_MASTER_KEYS, env.VAULT_ACTIVE_KEY_ID),
    defer,
    schedule: (id) => scheduleStub(env.SCHEDULES, id),
    kv: (accountId) => remoteKeyValueStore((namespace) => storeStub(env.STORE, accountId, namespace)),
    bindings: env,
  });
}

const app = createApp(servicesFor);

export default {
  fetch: app.fetch,
  /** Mail from Cloudflare Email Routing: starts the flows whose `email` trigger the recipient reaches (docs/email.md). */
  async email(message, env, ctx) {
    levelFromEnv(env.LOG_LEVEL);
    const missing = refusedInProduction(env);
    if (missing.length > 0) {
      // Email Routing tells the sender it was not delivered; nothing runs on development secrets.
      log.error("inbound mail refused: production mode with development secrets", { missing });
      message.setReject("The service is not configured to receive mail; try again later");
      return;
    }
    const services = servicesFor(env, (work) => ctx.waitUntil(work));
    const verdict = await services.inboundEmail.receive(message);
    if (verdict.kind === "rejected") message.setReject(verdict.reason);
    else if (verdict.kind === "forward") await message.forward(verdict.to);
  },
  /**
   * Every minute: finish any master-key rotation by re-wrapping data keys still under an old key,
   * re-arm any schedule whose alarm is missing (the alarms do the scheduling; this is the backstop),
   * and delete a bounded batch of audit rows past their retention.
   */
  async scheduled(_controller, env, ctx) {
    levelFromEnv(env.LOG_LEVEL);
    const missing = refusedInProduction(env);
    if (missing.length > 0) {
      // Rotating or sweeping with the public development vault key would be working insecurely.
      log.error("minute cron skipped: production mode with development secrets", { missing });
      return;
    }
    const storage = createStorage(env, { defer: (work) => ctx.waitUntil(work) });
    const rotation = createVault(storage.secrets, env.VAULT_MASTER_KEYS, env.VAULT_ACTIVE_KEY_ID)
      .rotate(100)
      .then(({ rewrapped, unreadable }) => {
        if (rewrapped > 0) log.info("vault: re-wrapped data keys under the active master key", { rewrapped });
        if (unreadable.length > 0)
          log.error("vault: data keys are wrapped by a master key that is no longer configured", { unreadable: unreadable.length });
      })
      .catch((error: unknown) => log.error("vault: rotation failed", { error: asError(error) }));
    ctx.waitUntil(rotation);
    const backstop = rearmSchedules(storage.triggers, (id) => scheduleStub(env.SCHEDULES, id)).then(({ checked, rearmed, failed }) => {
      if (rearmed > 0) log.info("schedules: re-armed", { rearmed, checked });
      if (failed > 0) log.error("schedules: some could not be checked", { failed, checked });
    });
    ctx.waitUntil(backstop);
    const audit = sweepAudit(storage.audit, parseConfig(env).auditRetentionDays, Date.now()).then(
      ({ anonymous, accounts }) => {
        if (anonymous + accounts > 0) log.info("audit: deleted rows past retention", { anonymous, accounts });
      },
      (error: unknown) => log.error("audit: the retention sweep failed", { error: asError(error) }),
    );
    ctx.waitUntil(audit);
  },
} satisfies ExportedHandler<Env>;

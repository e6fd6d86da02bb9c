import type { Services } from "../http/context";
import type { AppConfig } from "../env";
import type { Storage } from "../storage/types";
import { AccountService } from "./accounts";
import { AuditService } from "./audit";
import { AuthService } from "./auth";
import { FlowService } from "./flows";
import type { ExecutionRpc } from "./execution-rpc";
import { HookService } from "./hooks";
import { ApiRateLimit, type RequestLimiter, type WindowLimiter } from "./rate-limit";
import { RunService } from "./runs";
import type { OperationRpc } from "./operation-rpc";
import { OperationService } from "./operations";
import type { Throttle } from "./throttle";
import { TokenService } from "./tokens";
import { SecretService } from "./secrets";
import type { Vault } from "../vault";
import { scheduleControl } from "./schedule-control";
import type { ScheduleRpc } from "./schedule-rpc";
import { ScheduleService } from "./schedules";
import type { DeliveryRpc } from "./delivery-rpc";
import { WebhookService } from "./webhooks";
import type { KeyValueStore } from "../nodes/capabilities/kv";
import { StoreService } from "./store";
import { McpService } from "./mcp-server";
import { PluginService } from "./plugins";
import { PluginDirectory } from "../plugins/directory";
import { createHttpClient } from "../nodes/capabilities/http";
import { InboundEmailService } from "./inbound-email";

export interface ServiceDeps {
  config: AppConfig;
  storage: Storage;
  throttle: Throttle;
  execution: (id: string) => ExecutionRpc;
  vault: Vault;
  /** Counts API requests per account (RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS). */
  limiter: RequestLimiter;
  /** Counts calls per webhook trigger, each with the limit its flow declares. */
  hookLimiter: WindowLimiter;
  /** Keeps background work (e.g. bookkeeping writes) alive after the response. */
  defer: (work: Promise<unknown>) => void;
  /** The schedule object of a cron trigger. */
  schedule: (triggerId: string) => ScheduleRpc;
  /** A bulk operation's object, by operation id. */
  operation: (operationId: string) => OperationRpc;
  /** A webhook subscription's delivery queue, by subscription id. */
  deliveries: (subscriptionId: string) => DeliveryRpc;
  /** The account's key-value store (its default namespace; others through `namespace()`). */
  kv: (accountId: string) => KeyValueStore;
  /** The Worker's bindings, where operators bind service-binding plugins (`PLUGIN_*`). */
  bindings?: object;
}

export function createServices({
  config,
  storage,
  throttle,
  execution,
  vault,
  limiter,
  hookLimiter,
  defer,
  schedule,
  deliveries,
  operation,
  kv,
  bindings = {},
}: ServiceDeps): Services {
  const audit = new AuditService(storage, defer);
  const plugins = PluginDirectory.fromBindings(storage.plugins, bindings);
  const runs = new RunService(storage, execution, config.jwtSecret, audit, plugins);
  return {
    config,
    storage,
    accounts: new AccountService(storage, config.signupEnabled, audit, config.retentionDays),
    auth: new AuthService(storage, config, throttle, defer, audit),
    tokens: new TokenService(storage, audit),
    flows: new FlowService(storage, audit, scheduleControl(schedule), plugins, config.emailDomain),
    runs,
    operations: new OperationService(storage, operation, audit),
    audit,
    rateLimit: new ApiRateLimit(config.rateLimitRequests > 0 ? limiter : null),
    secrets: new SecretService(storage, vault, audit),
    schedules: new ScheduleService(storage, schedule, audit),
    webhooks: new WebhookService(storage, vault, audit, deliveries, config.privateNetwork, defer),
    store: new StoreService(kv),
    hooks: new HookService({ config, storage, vault, execution, limiter: hookLimiter, audit, defer, plugins }),
    mcp: new McpService(storage, runs),
    inboundEmail: new InboundEmailService({ config, storage, execution, audit }),
    plugins: new PluginService(
      storage,
      vault,
      audit,
      plugins,
      createHttpClient({ fetch: (input, init) => fetch(input, init), privateNetwork: config.privateNetwork }),
      config.privateNetwork,
    ),
  };
}

import type { OperationService } from "../services/operations";
import type { InboundEmailService } from "../services/inbound-email";
import type { AppConfig, Env } from "../env";
import type { AccountService } from "../services/accounts";
import type { AuditService } from "../services/audit";
import type { AuthService, Principal } from "../services/auth";
import type { FlowService } from "../services/flows";
import type { HookService } from "../services/hooks";
import type { McpService } from "../services/mcp-server";
import type { PluginService } from "../services/plugins";
import type { ApiRateLimit } from "../services/rate-limit";
import type { RunService } from "../services/runs";
import type { ScheduleService } from "../services/schedules";
import type { SecretService } from "../services/secrets";
import type { StoreService } from "../services/store";
import type { FlowRecord, Storage } from "../storage/types";
import type { TokenService } from "../services/tokens";
import type { WebhookService } from "../services/webhooks";

export interface Services {
  config: AppConfig;
  storage: Storage;
  accounts: AccountService;
  auth: AuthService;
  tokens: TokenService;
  flows: FlowService;
  runs: RunService;
  operations: OperationService;
  audit: AuditService;
  rateLimit: ApiRateLimit;
  secrets: SecretService;
  schedules: ScheduleService;
  webhooks: WebhookService;
  hooks: HookService;
  store: StoreService;
  mcp: McpService;
  inboundEmail: InboundEmailService;
  plugins: PluginService;
}

/** Hono's environment for every route: bindings plus what middleware puts in `c.var`. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    services: Services;
    principal: Principal;
    /** The flow of the route's `:id` when authentication read it (`requireAuthWithFlow`); null: no such flow. */
    flow: { id: string; record: FlowRecord | null } | undefined;
    /** The request's id (`X-Request-Id`), set by the request log. */
    requestId: string;
  };
}

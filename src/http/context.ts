import type { AppConfig, Env } from "../env";
import type { AccountService } from "../services/accounts";
import type { AuthService, Principal } from "../services/auth";
import type { FlowService } from "../services/flows";
import type { RunService } from "../services/runs";
import type { Storage } from "../storage/types";
import type { TokenService } from "../services/tokens";

export interface Services {
  config: AppConfig;
  storage: Storage;
  accounts: AccountService;
  auth: AuthService;
  tokens: TokenService;
  flows: FlowService;
  runs: RunService;
}

/** Hono's environment for every route: bindings plus what middleware puts in `c.var`. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    services: Services;
    principal: Principal;
  };
}

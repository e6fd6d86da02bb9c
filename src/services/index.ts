import type { Services } from "../http/context";
import type { AppConfig } from "../env";
import type { Storage } from "../storage/types";
import { AccountService } from "./accounts";
import { AuthService } from "./auth";
import { FlowService } from "./flows";
import type { ExecutionRpc } from "../objects/execution/rpc";
import { RunService } from "./runs";
import type { Throttle } from "./throttle";
import { TokenService } from "./tokens";

export interface ServiceDeps {
  config: AppConfig;
  storage: Storage;
  throttle: Throttle;
  execution: (id: string) => ExecutionRpc;
  /** Keeps background work (e.g. bookkeeping writes) alive after the response. */
  defer: (work: Promise<unknown>) => void;
}

export function createServices({ config, storage, throttle, execution, defer }: ServiceDeps): Services {
  return {
    config,
    storage,
    accounts: new AccountService(storage, config.signupEnabled),
    auth: new AuthService(storage, config, throttle, defer),
    tokens: new TokenService(storage),
    flows: new FlowService(storage),
    runs: new RunService(storage, execution, config.jwtSecret),
  };
}

import { parseConfig, type Env } from "../env";
import { probeStorage } from "../storage/readiness";
import { loadKeyring, usesDevelopmentKey, VaultConfigError } from "../vault/keyring";
import type { Readiness, ReadinessCheck } from "./ops-schemas";

/** The settings production mode refuses to run without: they would otherwise fall back to public development values. */
export function insecureSettings(env: Env): string[] {
  const missing: string[] = [];
  if (parseConfig(env).usingDevJwtSecret) missing.push("JWT_SECRET");
  if (usesDevelopmentKey(env.VAULT_MASTER_KEYS)) missing.push("VAULT_MASTER_KEYS");
  return missing;
}

/**
 * The development secrets a production deployment runs on: empty in development mode, or when real
 * secrets are set. Requests, inbound mail and the minute cron all refuse to work while it is not empty.
 */
export function refusedInProduction(env: Env): string[] {
  return parseConfig(env).mode === "production" ? insecureSettings(env) : [];
}

/** What `GET /ready` answers: every check, ready when all pass. Never throws; no secret value appears. */
export async function readiness(env: Env, defer?: (work: Promise<unknown>) => void): Promise<Readiness> {
  const { mode } = parseConfig(env);
  const [probe, vault] = await Promise.all([probeStorage(env, defer), vaultCheck(env)]);
  const checks: ReadinessCheck[] = [
    { name: "storage", ...probe.storage },
    { name: "migrations", ...probe.migrations },
    vault,
    secretsCheck(env, mode),
  ];
  return { status: checks.every((check) => check.ok) ? "ready" : "not_ready", mode, checks };
}

async function vaultCheck(env: Env): Promise<ReadinessCheck> {
  try {
    const keyring = await loadKeyring(env.VAULT_MASTER_KEYS, env.VAULT_ACTIVE_KEY_ID);
    const which = keyring.development ? "the built-in development key" : `${keyring.keys.size} master key(s)`;
    return { name: "vault", ok: true, message: `${which}; active key '${keyring.activeKid}'` };
  } catch (error) {
    if (!(error instanceof VaultConfigError)) throw error;
    return { name: "vault", ok: false, message: error.message, fix: "fix VAULT_MASTER_KEYS / VAULT_ACTIVE_KEY_ID (docs/security.md)" };
  }
}

function secretsCheck(env: Env, mode: "production" | "development"): ReadinessCheck {
  const missing = insecureSettings(env);
  if (missing.length === 0) return { name: "secrets", ok: true, message: "JWT_SECRET and VAULT_MASTER_KEYS are set" };
  if (mode === "development") return { name: "secrets", ok: true, message: `development values in use for ${missing.join(", ")}` };
  return {
    name: "secrets",
    ok: false,
    message: `production mode with development values for ${missing.join(", ")}`,
    fix: missing.map((name) => `wrangler secret put ${name}`).join("; "),
  };
}

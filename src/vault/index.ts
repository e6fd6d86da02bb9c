import type { SecretStore } from "../storage/types";
import { loadKeyring, type Keyring } from "./keyring";
import { Vault } from "./vault";
import { log } from "../lib/log";

export { generateMasterKey, VaultConfigError, type Keyring } from "./keyring";
export { Vault } from "./vault";

const keyrings = new Map<string, Promise<Keyring>>();
let warned = false;

/**
 * The isolate's keyring for this configuration (keys are imported once).
 * A missing configuration falls back to the development key, loudly.
 */
export function keyringFor(spec: string | undefined, activeKid: string | undefined): () => Promise<Keyring> {
  const id = `${spec ?? ""}|${activeKid ?? ""}`;
  return () => {
    let keyring = keyrings.get(id);
    if (!keyring) {
      keyring = loadKeyring(spec, activeKid);
      keyrings.set(id, keyring);
      keyring.catch(() => keyrings.delete(id));
      if (!spec && !warned) {
        warned = true;
        log.warn(
          "VAULT_MASTER_KEYS is not set; secrets are encrypted with the built-in development key. Set it with `wrangler secret put VAULT_MASTER_KEYS` before deploying.",
        );
      }
    }
    return keyring;
  };
}

export const createVault = (store: SecretStore, spec: string | undefined, activeKid: string | undefined) =>
  new Vault(store, keyringFor(spec, activeKid));

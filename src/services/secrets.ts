import { AppError, badRequest, notFound } from "../errors";
import type { Page, SecretFilter, SecretRecord, Storage } from "../storage/types";
import { isStructured, SECRET_KEY, SECRET_SCHEMAS } from "../vault/secret-types";
import type { Vault } from "../vault/vault";
import type { AuditService } from "./audit";
import type { SecretSource } from "./secret-cache";
import type { Principal } from "./auth";
import type { SecretView } from "./secret-schemas";

export interface SecretInput {
  type: string;
  value?: string | undefined;
  data?: Record<string, unknown> | undefined;
  description?: string | null | undefined;
  tags?: string[] | undefined;
}

const view = (r: SecretRecord): SecretView => ({
  key: r.key,
  type: r.type,
  description: r.description,
  tags: r.tags,
  created_at: r.created_at,
  updated_at: r.updated_at,
  last_used_at: r.last_used_at,
});

export class SecretService {
  constructor(
    private readonly storage: Storage,
    private readonly vault: Vault,
    private readonly audit: AuditService,
  ) {}

  async put(principal: Principal, key: string, input: SecretInput): Promise<{ created: boolean; secret: SecretView }> {
    const accountId = principal.account_id;
    if (!SECRET_KEY.test(key))
      throw badRequest("Secret names are letters, digits and _, starting with a letter or _ (at most 128)", { field: "key" });
    const plaintext = this.plaintextOf(input);
    const now = new Date().toISOString();
    const record: SecretRecord = {
      account_id: accountId,
      key,
      type: input.type,
      description: input.description ?? null,
      tags: input.tags ?? [],
      ciphertext: await this.vault.seal(accountId, key, plaintext),
      created_at: now,
      updated_at: now,
      last_used_at: null,
    };
    const outcome = await this.storage.secrets.put(record);
    // The name and type only: never the value.
    this.audit.recordFor(
      principal,
      outcome === "created" ? "secret.created" : "secret.updated",
      { type: "secret", id: key },
      { secret_type: input.type },
    );
    const stored = await this.storage.secrets.get(accountId, key);
    return { created: outcome === "created", secret: view(stored ?? record) };
  }

  async get(accountId: string, key: string): Promise<SecretView> {
    const record = await this.storage.secrets.get(accountId, key);
    if (!record) throw notFound("Secret");
    return view(record);
  }

  async list(accountId: string, filter: SecretFilter, limit: number, cursor?: string): Promise<Page<SecretView>> {
    const page = await this.storage.secrets.list(accountId, filter, { limit, cursor });
    return { items: page.items.map(view), next_cursor: page.next_cursor };
  }

  async delete(principal: Principal, key: string): Promise<void> {
    if (!(await this.storage.secrets.delete(principal.account_id, key))) throw notFound("Secret");
    this.audit.recordFor(principal, "secret.deleted", { type: "secret", id: key });
  }

  /** Checks a value against its type and turns it into the text that gets encrypted. */
  private plaintextOf(input: SecretInput): string {
    if (input.type === "plain") {
      if (typeof input.value !== "string" || input.value === "")
        throw badRequest("A plain secret needs a non-empty 'value'", { field: "value" });
      if (input.data !== undefined) throw badRequest("A plain secret takes 'value', not 'data'", { field: "data" });
      return JSON.stringify(input.value);
    }
    if (!isStructured(input.type)) throw badRequest(`Unknown secret type '${input.type}'`, { field: "type" });
    if (input.value !== undefined) throw badRequest(`A ${input.type} secret takes 'data', not 'value'`, { field: "value" });
    const parsed = SECRET_SCHEMAS[input.type].safeParse(input.data);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ path: ["data", ...i.path.map(String)].join("."), message: i.message }));
      throw new AppError(
        400,
        "validation_failed",
        `Invalid ${input.type} secret: ${fields.map((f) => `${f.path}: ${f.message}`).join("; ")}`,
        { fields },
      );
    }
    return JSON.stringify(parsed.data);
  }
}

/**
 * What flows read secrets from (through a SecretCache): decrypts only the names asked for, and
 * records when they were last used.
 */
export function vaultSource(storage: Storage, vault: Vault): SecretSource {
  return {
    async read(accountId, names) {
      const records = await storage.secrets.getMany(accountId, names);
      return new Map(await Promise.all(records.map(async (record) => [record.key, await vault.open(record)] as const)));
    },
    touch: (accountId, names, at) => storage.secrets.touch(accountId, names, new Date(at).toISOString()),
  };
}

import { badRequest, notFound } from "../errors";
import { sha256Hex } from "../lib/crypto";
import { newId, randomToken } from "../lib/ids";
import type { ApiTokenRecord, Page, Storage } from "../storage/types";
import type { AuditService } from "./audit";
import type { Principal } from "./auth";
import type { CreatedToken, TokenView } from "./token-schemas";

/** API tokens start with this, so secret scanners and humans recognise them. */
export const TOKEN_PREFIX = "frt_";

const toView = ({ id, name, prefix, created_at, expires_at, last_used_at, revoked_at }: ApiTokenRecord): TokenView => ({
  id,
  name,
  prefix,
  created_at,
  expires_at,
  last_used_at,
  revoked_at,
});

export class TokenService {
  constructor(
    private readonly storage: Storage,
    private readonly audit: AuditService,
  ) {}

  async create(principal: Principal, name: string, expiresInDays?: number): Promise<CreatedToken> {
    if (expiresInDays !== undefined && (!Number.isInteger(expiresInDays) || expiresInDays < 1)) {
      throw badRequest("expires_in_days must be a positive whole number");
    }
    const token = TOKEN_PREFIX + randomToken(40);
    const now = new Date();
    const record: ApiTokenRecord = {
      id: newId("tok"),
      account_id: principal.account_id,
      name,
      prefix: token.slice(0, TOKEN_PREFIX.length + 8),
      token_hash: await sha256Hex(token),
      created_at: now.toISOString(),
      expires_at: expiresInDays ? new Date(now.getTime() + expiresInDays * 86_400_000).toISOString() : null,
      last_used_at: null,
      revoked_at: null,
    };
    await this.storage.tokens.create(record);
    // The name and expiry only: never the token, its hash or its prefix.
    this.audit.recordFor(principal, "token.created", { type: "api_token", id: record.id }, { name, expires_at: record.expires_at });
    return { ...toView(record), token };
  }

  async list(accountId: string, limit: number, cursor?: string): Promise<Page<TokenView>> {
    const page = await this.storage.tokens.list(accountId, { limit, cursor });
    return { items: page.items.map(toView), next_cursor: page.next_cursor };
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    if (!(await this.storage.tokens.revoke(principal.account_id, id, new Date().toISOString()))) throw notFound("Token");
    this.audit.recordFor(principal, "token.revoked", { type: "api_token", id });
  }
}

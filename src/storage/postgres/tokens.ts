import { and, desc, eq, isNull } from "drizzle-orm";
import { toPage } from "../cursor";
import { olderThan } from "../sql-paging";
import { liveTokensFlow } from "../sql-token-flow";
import type { OwnedApiToken, OwnedApiTokenWithFlow } from "../token-lookup";
import type { ApiTokenRecord, Page, PageRequest, TokenStore } from "../types";
import { mapUniqueViolation } from "./errors";
import type { PgDb } from "./index";
import { accounts, apiTokens, flows } from "./schema";

export class PostgresTokenStore implements TokenStore {
  constructor(private readonly db: PgDb) {}

  async create(token: ApiTokenRecord): Promise<void> {
    await mapUniqueViolation(this.db.insert(apiTokens).values(token), "Token already exists");
  }

  async getByHash(tokenHash: string): Promise<OwnedApiToken | null> {
    const [row] = await this.db
      .select({ token: apiTokens, username: accounts.username })
      .from(apiTokens)
      .innerJoin(accounts, eq(accounts.id, apiTokens.account_id))
      .where(eq(apiTokens.token_hash, tokenHash));
    return row ?? null;
  }

  /** One statement: the flow is joined on the token's account, and only while the token is live. */
  async getByHashWithFlow(tokenHash: string, flowId: string, now: string): Promise<OwnedApiTokenWithFlow | null> {
    const [row] = await this.db
      .select({ token: apiTokens, username: accounts.username, flow: flows })
      .from(apiTokens)
      .innerJoin(accounts, eq(accounts.id, apiTokens.account_id))
      .leftJoin(flows, liveTokensFlow(apiTokens, flows, flowId, now))
      .where(eq(apiTokens.token_hash, tokenHash));
    return row ?? null;
  }

  async list(accountId: string, page: PageRequest): Promise<Page<ApiTokenRecord>> {
    const rows = await this.db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.account_id, accountId), olderThan(apiTokens.created_at, apiTokens.id, page.cursor)))
      .orderBy(desc(apiTokens.created_at), desc(apiTokens.id))
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }

  async revoke(accountId: string, id: string, at: string): Promise<boolean> {
    const rows = await this.db
      .update(apiTokens)
      .set({ revoked_at: at })
      .where(and(eq(apiTokens.account_id, accountId), eq(apiTokens.id, id), isNull(apiTokens.revoked_at)))
      .returning({ id: apiTokens.id });
    return rows.length > 0;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.update(apiTokens).set({ last_used_at: at }).where(eq(apiTokens.id, id));
  }
}

import { and, asc, eq, gt, inArray, ne, sql, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "../cursor";
import type { Page, PageRequest, SecretFilter, SecretRecord, SecretStore, WrappedKeyRecord } from "../types";
import type { PgDb } from "./index";
import { accountKeys, secrets } from "./schema";

export class PostgresSecretStore implements SecretStore {
  constructor(private readonly db: PgDb) {}

  async getDataKey(accountId: string): Promise<WrappedKeyRecord | null> {
    const [row] = await this.db.select().from(accountKeys).where(eq(accountKeys.account_id, accountId));
    return row ?? null;
  }

  async putDataKeyIfAbsent(record: WrappedKeyRecord): Promise<WrappedKeyRecord> {
    const [inserted] = await this.db.insert(accountKeys).values(record).onConflictDoNothing().returning();
    return inserted ?? (await this.getDataKey(record.account_id))!;
  }

  async rewrapDataKey(record: WrappedKeyRecord, expectedKid: string): Promise<boolean> {
    const rows = await this.db
      .update(accountKeys)
      .set({ kid: record.kid, wrapped: record.wrapped, updated_at: record.updated_at })
      .where(and(eq(accountKeys.account_id, record.account_id), eq(accountKeys.kid, expectedKid)))
      .returning({ account_id: accountKeys.account_id });
    return rows.length > 0;
  }

  async dataKeysNotWrappedBy(kid: string, limit: number, after = ""): Promise<WrappedKeyRecord[]> {
    return this.db
      .select()
      .from(accountKeys)
      .where(and(ne(accountKeys.kid, kid), gt(accountKeys.account_id, after)))
      .orderBy(asc(accountKeys.account_id))
      .limit(limit);
  }

  async put(secret: SecretRecord): Promise<"created" | "updated"> {
    // xmax is 0 for a row this statement inserted, and set for one it updated.
    const [row] = await this.db
      .insert(secrets)
      .values(secret)
      .onConflictDoUpdate({
        target: [secrets.account_id, secrets.key],
        set: {
          type: secret.type,
          description: secret.description,
          tags: secret.tags,
          ciphertext: secret.ciphertext,
          updated_at: secret.updated_at,
        },
      })
      .returning({ inserted: sql<boolean>`(xmax = 0)` });
    return row?.inserted ? "created" : "updated";
  }

  async get(accountId: string, key: string): Promise<SecretRecord | null> {
    const [row] = await this.db
      .select()
      .from(secrets)
      .where(and(eq(secrets.account_id, accountId), eq(secrets.key, key)));
    return row ?? null;
  }

  async getMany(accountId: string, keys: readonly string[] | "all"): Promise<SecretRecord[]> {
    if (keys !== "all" && keys.length === 0) return [];
    const where =
      keys === "all" ? eq(secrets.account_id, accountId) : and(eq(secrets.account_id, accountId), inArray(secrets.key, [...keys]));
    return this.db.select().from(secrets).where(where);
  }

  async list(accountId: string, filter: SecretFilter, page: PageRequest): Promise<Page<SecretRecord>> {
    const conditions: (SQL | undefined)[] = [eq(secrets.account_id, accountId)];
    if (filter.type) conditions.push(eq(secrets.type, filter.type));
    if (filter.tag) conditions.push(sql`${secrets.tags} @> ${JSON.stringify([filter.tag])}::jsonb`);
    if (page.cursor) conditions.push(gt(secrets.key, String(decodeCursor(page.cursor, ["key"] as const).key)));
    const rows = await this.db
      .select()
      .from(secrets)
      .where(and(...conditions))
      .orderBy(asc(secrets.key))
      .limit(page.limit + 1);
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return { items, next_cursor: rows.length > page.limit && last ? encodeCursor({ key: last.key }) : null };
  }

  async delete(accountId: string, key: string): Promise<boolean> {
    const rows = await this.db
      .delete(secrets)
      .where(and(eq(secrets.account_id, accountId), eq(secrets.key, key)))
      .returning({ key: secrets.key });
    return rows.length > 0;
  }

  async touch(accountId: string, keys: readonly string[], at: string): Promise<void> {
    if (keys.length === 0) return;
    await this.db
      .update(secrets)
      .set({ last_used_at: at })
      .where(and(eq(secrets.account_id, accountId), inArray(secrets.key, [...keys])));
  }
}

import { and, asc, eq, gt, inArray, ne, sql, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "../cursor";
import type { Page, PageRequest, SecretFilter, SecretRecord, SecretStore, WrappedKeyRecord } from "../types";
import type { D1Db } from "./index";
import { accountKeys, secrets } from "./schema";

export class D1SecretStore implements SecretStore {
  constructor(private readonly db: D1Db) {}

  async getDataKey(accountId: string): Promise<WrappedKeyRecord | null> {
    return (await this.db.select().from(accountKeys).where(eq(accountKeys.account_id, accountId)).get()) ?? null;
  }

  async putDataKeyIfAbsent(record: WrappedKeyRecord): Promise<WrappedKeyRecord> {
    await this.db.insert(accountKeys).values(record).onConflictDoNothing().run();
    return (await this.getDataKey(record.account_id))!;
  }

  async rewrapDataKey(record: WrappedKeyRecord, expectedKid: string): Promise<boolean> {
    const result = await this.db
      .update(accountKeys)
      .set({ kid: record.kid, wrapped: record.wrapped, updated_at: record.updated_at })
      .where(and(eq(accountKeys.account_id, record.account_id), eq(accountKeys.kid, expectedKid)))
      .run();
    return result.meta.changes > 0;
  }

  async dataKeysNotWrappedBy(kid: string, limit: number, after = ""): Promise<WrappedKeyRecord[]> {
    return this.db
      .select()
      .from(accountKeys)
      .where(and(ne(accountKeys.kid, kid), gt(accountKeys.account_id, after)))
      .orderBy(asc(accountKeys.account_id))
      .limit(limit)
      .all();
  }

  async put(secret: SecretRecord): Promise<"created" | "updated"> {
    // A replace keeps the row's created_at, which tells the two cases apart in one statement.
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
      .returning({ created_at: secrets.created_at });
    return row?.created_at === secret.created_at ? "created" : "updated";
  }

  async get(accountId: string, key: string): Promise<SecretRecord | null> {
    return (
      (await this.db
        .select()
        .from(secrets)
        .where(and(eq(secrets.account_id, accountId), eq(secrets.key, key)))
        .get()) ?? null
    );
  }

  async getMany(accountId: string, keys: readonly string[] | "all"): Promise<SecretRecord[]> {
    if (keys !== "all" && keys.length === 0) return [];
    const where =
      keys === "all" ? eq(secrets.account_id, accountId) : and(eq(secrets.account_id, accountId), inArray(secrets.key, [...keys]));
    return this.db.select().from(secrets).where(where).all();
  }

  async list(accountId: string, filter: SecretFilter, page: PageRequest): Promise<Page<SecretRecord>> {
    const conditions: (SQL | undefined)[] = [eq(secrets.account_id, accountId)];
    if (filter.type) conditions.push(eq(secrets.type, filter.type));
    if (filter.tag) conditions.push(sql`exists (select 1 from json_each(${secrets.tags}) where value = ${filter.tag})`);
    if (page.cursor) conditions.push(gt(secrets.key, String(decodeCursor(page.cursor, ["key"] as const).key)));
    const rows = await this.db
      .select()
      .from(secrets)
      .where(and(...conditions))
      .orderBy(asc(secrets.key))
      .limit(page.limit + 1)
      .all();
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return { items, next_cursor: rows.length > page.limit && last ? encodeCursor({ key: last.key }) : null };
  }

  async delete(accountId: string, key: string): Promise<boolean> {
    const result = await this.db
      .delete(secrets)
      .where(and(eq(secrets.account_id, accountId), eq(secrets.key, key)))
      .run();
    return result.meta.changes > 0;
  }

  async touch(accountId: string, keys: readonly string[], at: string): Promise<void> {
    if (keys.length === 0) return;
    await this.db
      .update(secrets)
      .set({ last_used_at: at })
      .where(and(eq(secrets.account_id, accountId), inArray(secrets.key, [...keys])))
      .run();
  }
}

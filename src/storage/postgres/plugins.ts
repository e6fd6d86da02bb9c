import { and, asc, desc, eq, sql } from "drizzle-orm";
import { belowVersion, toVersionPage } from "../sql-paging";
import { StorageError, type Page, type PageRequest, type PluginStore, type PluginVersionRecord } from "../types";
import { mapUniqueViolation } from "./errors";
import type { PgDb } from "./index";
import { plugins, pluginVersions } from "./schema";

export class PostgresPluginStore implements PluginStore {
  constructor(private readonly db: PgDb) {}

  async create(first: PluginVersionRecord): Promise<void> {
    // One statement: the head and its first version commit together.
    const head = this.db.$with("head").as(this.db.insert(plugins).values(first).returning({ name: plugins.name }));
    await mapUniqueViolation(this.db.with(head).insert(pluginVersions).values(first), `Plugin ${first.name} already exists`);
  }

  async addVersion(next: PluginVersionRecord): Promise<void> {
    const precondition = `Plugin ${next.name} is no longer at version ${next.version - 1}`;
    const manifest = JSON.stringify(next.manifest);
    // One statement: the head moves only while it is still at the expected version (a concurrent
    // update blocks on the row lock, then matches nothing); the version row is written only from a
    // head that moved.
    const result = await mapUniqueViolation(
      this.db.execute(sql`
        with moved as (
          update ${plugins}
          set version = ${next.version}, kind = ${next.kind}, manifest = ${manifest}::json, source = ${next.source}, url = ${next.url},
              secret_ciphertext = ${next.secret_ciphertext}, updated_at = ${next.updated_at}, created_by = ${next.created_by}
          where account_id = ${next.account_id} and name = ${next.name} and version = ${next.version - 1}
          returning account_id, name, created_at
        )
        insert into ${pluginVersions}
          (account_id, name, version, kind, manifest, source, url, secret_ciphertext, created_at, updated_at, created_by)
        select moved.account_id, moved.name, ${next.version}::integer, ${next.kind}, ${manifest}::json, ${next.source}, ${next.url},
               ${next.secret_ciphertext}, moved.created_at, ${next.updated_at}, ${next.created_by}
        from moved
        returning version`),
      precondition,
      "precondition",
    );
    if (result.rows.length === 0) throw new StorageError("precondition", precondition);
  }

  async get(accountId: string, name: string): Promise<PluginVersionRecord | null> {
    const [row] = await this.db
      .select()
      .from(plugins)
      .where(and(eq(plugins.account_id, accountId), eq(plugins.name, name)));
    return row ?? null;
  }

  async getVersion(accountId: string, name: string, version: number): Promise<PluginVersionRecord | null> {
    const [row] = await this.db
      .select()
      .from(pluginVersions)
      .where(and(eq(pluginVersions.account_id, accountId), eq(pluginVersions.name, name), eq(pluginVersions.version, version)));
    return row ?? null;
  }

  async list(accountId: string): Promise<PluginVersionRecord[]> {
    return this.db.select().from(plugins).where(eq(plugins.account_id, accountId)).orderBy(asc(plugins.name));
  }

  async listVersions(accountId: string, name: string, page: PageRequest): Promise<Page<PluginVersionRecord>> {
    const rows = await this.db
      .select()
      .from(pluginVersions)
      .where(
        and(eq(pluginVersions.account_id, accountId), eq(pluginVersions.name, name), belowVersion(pluginVersions.version, page.cursor)),
      )
      .orderBy(desc(pluginVersions.version))
      .limit(page.limit + 1);
    return toVersionPage(rows, page.limit);
  }

  async delete(accountId: string, name: string): Promise<boolean> {
    // One statement: the head and every version go together.
    const result = await this.db.execute(sql`
      with removed as (
        delete from ${plugins} where account_id = ${accountId} and name = ${name} returning name
      ),
      versions as (
        delete from ${pluginVersions} where account_id = ${accountId} and name = ${name}
      )
      select name from removed`);
    return result.rows.length > 0;
  }
}

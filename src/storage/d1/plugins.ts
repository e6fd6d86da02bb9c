import { and, asc, desc, eq, sql } from "drizzle-orm";
import { belowVersion, toVersionPage } from "../sql-paging";
import { StorageError, type Page, type PageRequest, type PluginStore, type PluginVersionRecord } from "../types";
import { failedConstraint, mapUniqueViolation } from "./errors";
import type { D1Db } from "./index";
import { plugins, pluginVersions } from "./schema";

export class D1PluginStore implements PluginStore {
  constructor(private readonly db: D1Db) {}

  async create(first: PluginVersionRecord): Promise<void> {
    await mapUniqueViolation(
      this.db.batch([this.db.insert(plugins).values(first), this.db.insert(pluginVersions).values(first)]),
      `Plugin ${first.name} already exists`,
    );
  }

  async addVersion(next: PluginVersionRecord): Promise<void> {
    const current = and(eq(plugins.account_id, next.account_id), eq(plugins.name, next.name), eq(plugins.version, next.version - 1));
    // One transaction. The version row takes its name from the head at the expected version, so when
    // there is none (a concurrent update won, or the plugin is gone) it is NULL and NOT NULL refuses it.
    try {
      await this.db.batch([
        this.db.insert(pluginVersions).values({ ...next, name: sql`(select ${plugins.name} from ${plugins} where ${current})` }),
        this.db.update(plugins).set(next).where(current),
      ]);
    } catch (error) {
      const refused = failedConstraint(error);
      if (refused?.startsWith("NOT NULL") || refused?.startsWith("UNIQUE")) {
        throw new StorageError("precondition", `Plugin ${next.name} is no longer at version ${next.version - 1}`);
      }
      throw error;
    }
  }

  async get(accountId: string, name: string): Promise<PluginVersionRecord | null> {
    return (
      (await this.db
        .select()
        .from(plugins)
        .where(and(eq(plugins.account_id, accountId), eq(plugins.name, name)))
        .get()) ?? null
    );
  }

  async getVersion(accountId: string, name: string, version: number): Promise<PluginVersionRecord | null> {
    return (
      (await this.db
        .select()
        .from(pluginVersions)
        .where(and(eq(pluginVersions.account_id, accountId), eq(pluginVersions.name, name), eq(pluginVersions.version, version)))
        .get()) ?? null
    );
  }

  async list(accountId: string): Promise<PluginVersionRecord[]> {
    return this.db.select().from(plugins).where(eq(plugins.account_id, accountId)).orderBy(asc(plugins.name)).all();
  }

  async listVersions(accountId: string, name: string, page: PageRequest): Promise<Page<PluginVersionRecord>> {
    const rows = await this.db
      .select()
      .from(pluginVersions)
      .where(
        and(eq(pluginVersions.account_id, accountId), eq(pluginVersions.name, name), belowVersion(pluginVersions.version, page.cursor)),
      )
      .orderBy(desc(pluginVersions.version))
      .limit(page.limit + 1)
      .all();
    return toVersionPage(rows, page.limit);
  }

  async delete(accountId: string, name: string): Promise<boolean> {
    const [, removed] = await this.db.batch([
      this.db.delete(pluginVersions).where(and(eq(pluginVersions.account_id, accountId), eq(pluginVersions.name, name))),
      this.db.delete(plugins).where(and(eq(plugins.account_id, accountId), eq(plugins.name, name))),
    ]);
    return removed.meta.changes > 0;
  }
}

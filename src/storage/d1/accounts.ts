import { eq } from "drizzle-orm";
import type { AccountSettings } from "../retention";
import type { AccountRecord, AccountStore } from "../types";
import type { D1Db } from "./index";
import { mapUniqueViolation } from "./errors";
import { accounts } from "./schema";

/** The columns of an AccountRecord: the account's settings have their own reads (getSettings). */
const record = {
  id: accounts.id,
  username: accounts.username,
  password_hash: accounts.password_hash,
  created_at: accounts.created_at,
  updated_at: accounts.updated_at,
};

export class D1AccountStore implements AccountStore {
  constructor(private readonly db: D1Db) {}

  async create(account: AccountRecord): Promise<void> {
    await mapUniqueViolation(this.db.insert(accounts).values(account).run(), "Username is taken");
  }

  async get(id: string): Promise<AccountRecord | null> {
    return (await this.db.select(record).from(accounts).where(eq(accounts.id, id)).get()) ?? null;
  }

  async getByUsername(username: string): Promise<AccountRecord | null> {
    return (await this.db.select(record).from(accounts).where(eq(accounts.username, username)).get()) ?? null;
  }

  async getSettings(accountId: string): Promise<AccountSettings | null> {
    return (
      (await this.db.select({ retention_days: accounts.retention_days }).from(accounts).where(eq(accounts.id, accountId)).get()) ?? null
    );
  }

  async updateSettings(accountId: string, patch: Partial<AccountSettings>, at: string): Promise<AccountSettings | null> {
    const row = await this.db
      .update(accounts)
      .set({ ...patch, updated_at: at })
      .where(eq(accounts.id, accountId))
      .returning({ retention_days: accounts.retention_days })
      .get();
    return row ?? null;
  }
}

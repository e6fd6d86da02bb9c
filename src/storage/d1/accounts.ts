import { eq } from "drizzle-orm";
import type { AccountRecord, AccountStore } from "../types";
import type { D1Db } from "./index";
import { mapUniqueViolation } from "./errors";
import { accounts } from "./schema";

export class D1AccountStore implements AccountStore {
  constructor(private readonly db: D1Db) {}

  async create(account: AccountRecord): Promise<void> {
    await mapUniqueViolation(this.db.insert(accounts).values(account).run(), "Username is taken");
  }

  async get(id: string): Promise<AccountRecord | null> {
    return (await this.db.select().from(accounts).where(eq(accounts.id, id)).get()) ?? null;
  }

  async getByUsername(username: string): Promise<AccountRecord | null> {
    return (await this.db.select().from(accounts).where(eq(accounts.username, username)).get()) ?? null;
  }
}

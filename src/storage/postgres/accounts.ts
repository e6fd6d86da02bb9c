import { eq } from "drizzle-orm";
import type { AccountRecord, AccountStore } from "../types";
import { mapUniqueViolation } from "./errors";
import type { PgDb } from "./index";
import { accounts } from "./schema";

export class PostgresAccountStore implements AccountStore {
  constructor(private readonly db: PgDb) {}

  async create(account: AccountRecord): Promise<void> {
    await mapUniqueViolation(this.db.insert(accounts).values(account), "Username is taken");
  }

  async get(id: string): Promise<AccountRecord | null> {
    const [row] = await this.db.select().from(accounts).where(eq(accounts.id, id));
    return row ?? null;
  }

  async getByUsername(username: string): Promise<AccountRecord | null> {
    const [row] = await this.db.select().from(accounts).where(eq(accounts.username, username));
    return row ?? null;
  }
}

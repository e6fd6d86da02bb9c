import { AppError, conflict } from "../errors";
import { hashPassword } from "../lib/crypto";
import { newId } from "../lib/ids";
import type { AccountView } from "./account-schemas";
import { StorageError, type AccountRecord, type Storage } from "../storage/types";

export const toAccountView = (a: AccountRecord): AccountView => ({
  id: a.id,
  username: a.username,
  created_at: a.created_at,
  updated_at: a.updated_at,
});

export class AccountService {
  constructor(
    private readonly storage: Storage,
    private readonly signupEnabled: boolean,
  ) {}

  async signUp(username: string, password: string): Promise<AccountView> {
    if (!this.signupEnabled) throw new AppError(403, "signup_disabled", "Sign-up is disabled on this server");
    const now = new Date().toISOString();
    const account: AccountRecord = {
      id: newId("acc"),
      username: normaliseUsername(username),
      password_hash: await hashPassword(password),
      created_at: now,
      updated_at: now,
    };
    try {
      await this.storage.accounts.create(account);
    } catch (error) {
      if (error instanceof StorageError && error.kind === "conflict") {
        throw conflict("That username is already taken", { field: "username" });
      }
      throw error;
    }
    return toAccountView(account);
  }
}

/** Usernames compare case-insensitively, so "Alice" and "alice" are one account. */
export const normaliseUsername = (username: string): string => username.trim().toLowerCase();

import { AppError, conflict, notFound } from "../errors";
import { hashPassword } from "../lib/crypto";
import { newId } from "../lib/ids";
import type { AccountSettingsPatch, AccountSettingsView, AccountView } from "./account-schemas";
import type { AuditService } from "./audit";
import type { Principal } from "./auth";
import type { AccountSettings } from "../storage/retention";
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
    private readonly audit: AuditService,
    /** RETENTION_DAYS: what an account with no setting of its own gets. */
    private readonly serverRetentionDays: number,
  ) {}

  async settings(accountId: string): Promise<AccountSettingsView> {
    const settings = await this.storage.accounts.getSettings(accountId);
    if (!settings) throw notFound("Account");
    return this.settingsView(settings);
  }

  /** Changes the account's settings; a new retention applies to runs that finish from now on. */
  async updateSettings(principal: Principal, patch: AccountSettingsPatch): Promise<AccountSettingsView> {
    const changes: Partial<AccountSettings> = {};
    if (patch.retention_days !== undefined) changes.retention_days = patch.retention_days;
    const settings = await this.storage.accounts.updateSettings(principal.account_id, changes, new Date().toISOString());
    if (!settings) throw notFound("Account");
    this.audit.recordFor(principal, "account.updated", { type: "account", id: principal.account_id }, { fields: Object.keys(changes) });
    return this.settingsView(settings);
  }

  private settingsView(settings: AccountSettings): AccountSettingsView {
    return { retention_days: settings.retention_days, effective_retention_days: settings.retention_days ?? this.serverRetentionDays };
  }

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

import { and, desc, eq } from "drizzle-orm";
import { toPage } from "../cursor";
import { olderThan } from "../sql-paging";
import type { Page, PageRequest, WebhookSubscriptionPatch, WebhookSubscriptionRecord, WebhookSubscriptionStore } from "../types";
import { mapUniqueViolation } from "./errors";
import type { D1Db } from "./index";
import { webhookSubscriptions as subscriptions } from "./schema";

export class D1WebhookSubscriptionStore implements WebhookSubscriptionStore {
  constructor(private readonly db: D1Db) {}

  async create(subscription: WebhookSubscriptionRecord): Promise<void> {
    await mapUniqueViolation(this.db.insert(subscriptions).values(subscription).run(), `Subscription ${subscription.id} already exists`);
  }

  async get(accountId: string, id: string): Promise<WebhookSubscriptionRecord | null> {
    return (
      (await this.db
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.account_id, accountId), eq(subscriptions.id, id)))
        .get()) ?? null
    );
  }

  async list(accountId: string, page: PageRequest): Promise<Page<WebhookSubscriptionRecord>> {
    const rows = await this.db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.account_id, accountId), olderThan(subscriptions.created_at, subscriptions.id, page.cursor)))
      .orderBy(desc(subscriptions.created_at), desc(subscriptions.id))
      .limit(page.limit + 1)
      .all();
    return toPage(rows, page.limit);
  }

  async listEnabled(accountId: string): Promise<WebhookSubscriptionRecord[]> {
    return this.db
      .select()
      .from(subscriptions)
      .where(and(eq(subscriptions.account_id, accountId), eq(subscriptions.enabled, true)))
      .orderBy(desc(subscriptions.created_at), desc(subscriptions.id))
      .all();
  }

  async update(accountId: string, id: string, patch: WebhookSubscriptionPatch, at: string): Promise<WebhookSubscriptionRecord | null> {
    const [row] = await this.db
      .update(subscriptions)
      .set({ ...patch, updated_at: at })
      .where(and(eq(subscriptions.account_id, accountId), eq(subscriptions.id, id)))
      .returning();
    return row ?? null;
  }

  async delete(accountId: string, id: string): Promise<boolean> {
    const result = await this.db
      .delete(subscriptions)
      .where(and(eq(subscriptions.account_id, accountId), eq(subscriptions.id, id)))
      .run();
    return result.meta.changes > 0;
  }
}

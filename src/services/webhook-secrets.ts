/**
 * A subscription's signing secret: `whsec_` + the base64 of 24 random bytes (the Standard Webhooks
 * form), sealed with the account's data key like any vault secret. The vault's additional data names
 * the subscription, so a sealed secret opens for that subscription only.
 */
import type { WebhookSubscriptionRecord } from "../storage/types";
import type { Vault } from "../vault/vault";

const SECRET_BYTES = 24;

export function newWebhookSecret(): string {
  return "whsec_" + btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(SECRET_BYTES))));
}

// Vault names never contain ':' (SECRET_KEY), so this cannot open an account secret's ciphertext or be opened as one.
const vaultName = (subscriptionId: string) => `webhook:${subscriptionId}`;

export const sealWebhookSecret = (vault: Vault, accountId: string, subscriptionId: string, secret: string): Promise<string> =>
  vault.seal(accountId, vaultName(subscriptionId), secret);

export const openWebhookSecret = (vault: Vault, subscription: Pick<WebhookSubscriptionRecord, "account_id" | "id" | "secret_ciphertext">) =>
  vault.open({ account_id: subscription.account_id, key: vaultName(subscription.id), ciphertext: subscription.secret_ciphertext });

/**
 * Which `email` triggers a recipient address reaches. Every account's triggers share the operator's
 * domains, so the rules are chosen so that no account can take mail meant for another:
 * - `<trigger id>@…` (and `<trigger id>+tag@…`) reaches that trigger alone, whatever else matches;
 *   the id is unguessable, like a webhook's URL;
 * - otherwise the most specific declared `address` wins: an exact address beats a pattern, a pattern
 *   with more literal characters beats one with fewer, and between equals the oldest declaration wins
 *   (a later account cannot claim an address already in use);
 * - the winner's account gets the message: each of its triggers that matches starts its flow.
 */
import type { EmailTrigger } from "../flow/triggers";
import type { TriggerRecord } from "../storage/types";

export const TRIGGER_ADDRESS = /^(trg_[0-9a-z]{25})(?:\+[^@]*)?@/;

/** The trigger id an address names directly (`trg_…@domain`, with or without a `+tag`), if any. */
export function addressedTriggerId(recipient: string): string | undefined {
  return TRIGGER_ADDRESS.exec(recipient.toLowerCase())?.[1];
}

/** Whether `address` matches `pattern` (`*` is any run of characters), case-insensitively. */
export function addressMatches(pattern: string, address: string): boolean {
  const parts = pattern.toLowerCase().split("*");
  const text = address.toLowerCase();
  if (parts.length === 1) return parts[0] === text;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!text.startsWith(first) || !text.endsWith(last) || text.length < first.length + last.length) return false;
  // Greedy left-to-right search of the middle parts is exact for `*`-only patterns.
  let at = first.length;
  const end = text.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** Higher is more specific: an exact address above every pattern, then by literal characters. */
export function specificity(pattern: string): number {
  return pattern.includes("*") ? pattern.replaceAll("*", "").length : Number.MAX_SAFE_INTEGER;
}

export const emailConfig = (record: TriggerRecord): EmailTrigger => record.config as unknown as EmailTrigger;

/**
 * The triggers that receive mail for `recipient` among `declared` (every account's `email` triggers
 * with an `address`): those of the winning account that match, most specific first.
 */
export function routeByAddress(recipient: string, declared: readonly TriggerRecord[]): TriggerRecord[] {
  const matching = declared.filter((record) => {
    const address = emailConfig(record).address;
    return address !== undefined && addressMatches(address, recipient);
  });
  if (matching.length === 0) return [];
  const ranked = [...matching].sort(
    (a, b) =>
      specificity(emailConfig(b).address!) - specificity(emailConfig(a).address!) ||
      a.created_at.localeCompare(b.created_at) ||
      a.id.localeCompare(b.id),
  );
  const owner = ranked[0]!.account_id;
  return ranked.filter((record) => record.account_id === owner);
}

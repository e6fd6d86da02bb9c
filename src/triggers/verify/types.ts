/** What a webhook verification reads and what it answers. */

/** The parts of a call a verification looks at: the body exactly as received, never re-serialised. */
export interface SignedRequest {
  headers: Headers;
  query: URLSearchParams;
  body: Uint8Array;
}

/**
 * Why a call was refused. All but `unusable_secret` are the caller's doing and may be told to it;
 * `unusable_secret` (a vault value the scheme cannot use) is the owner's, and is never told to callers.
 */
export type VerifyFailure =
  | "missing_credentials"
  | "bad_credentials"
  | "missing_signature"
  | "malformed_signature"
  | "bad_signature"
  | "stale_timestamp"
  | "unusable_secret";

export type VerifyResult =
  | {
      ok: true;
      /** The sender's id of this delivery when the scheme carries one (GitHub, Standard Webhooks), else null. */
      deliveryId: string | null;
    }
  | { ok: false; reason: VerifyFailure; message: string };

export const refused = (reason: VerifyFailure, message: string): VerifyResult => ({ ok: false, reason, message });
export const accepted = (deliveryId: string | null = null): VerifyResult => ({ ok: true, deliveryId });

/** A header's value with surrounding spaces removed; null when absent or blank. */
export function headerValue(headers: Headers, name: string): string | null {
  const value = headers.get(name)?.trim();
  return value ? value : null;
}

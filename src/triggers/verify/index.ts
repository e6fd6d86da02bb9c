/**
 * Checks that a call to a webhook URL comes from its sender, per the trigger's `verify` scheme.
 * Pure and web-standard; never throws: every outcome is a VerifyResult. The secret is the vault
 * value the scheme names, already read by the caller (null for `none`).
 */
import type { WebhookVerification } from "../../flow/triggers";
import { verifyGithub, verifyHmac } from "./signatures";
import { verifyStandard, verifyStripe } from "./timestamped";
import { verifyBasic, verifyToken } from "./token";
import { accepted, refused, type SignedRequest, type VerifyResult } from "./types";

export type { SignedRequest, VerifyFailure, VerifyResult } from "./types";
export { DEFAULT_TOKEN_HEADER, tokenLocations } from "./token";

export async function verifyWebhook(
  verify: WebhookVerification,
  secret: string | null,
  request: SignedRequest,
  nowMs: number,
): Promise<VerifyResult> {
  if (verify.scheme === "none") return accepted();
  if (secret === null || secret === "") return refused("unusable_secret", "The scheme's secret is missing or empty");
  try {
    switch (verify.scheme) {
      case "token":
        return await verifyToken(verify, secret, request);
      case "basic":
        return await verifyBasic(verify.username, secret, request);
      case "github":
        return await verifyGithub(secret, request);
      case "stripe":
        return await verifyStripe(secret, verify.tolerance, request, nowMs);
      case "standard":
        return await verifyStandard(secret, verify.tolerance, request, nowMs);
      case "hmac":
        return await verifyHmac(verify, secret, request);
    }
  } catch {
    // WebCrypto refusing the key is the only failure left; the message names no value.
    return refused("unusable_secret", "The secret cannot be used as a key");
  }
}

/** Whether a refusal is the caller's doing (and may be explained to it). */
export const callerFault = (result: VerifyResult): boolean => !result.ok && result.reason !== "unusable_secret";

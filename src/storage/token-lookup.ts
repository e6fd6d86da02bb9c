/**
 * The reads that authenticate an API token, apart from the rest of the storage interface (types.ts):
 * the token with its owner, and the same together with a flow of the owner's account, which is what
 * starting a run through the API needs (one round trip where the database can join).
 */
import type { ApiTokenRecord, FlowRecord, FlowStore } from "./types";

/** What authenticating an API token needs: the token and who owns it. */
export interface OwnedApiToken {
  token: ApiTokenRecord;
  username: string;
}

/** A token with its owner, and one flow of the owner's account. */
export interface OwnedApiTokenWithFlow extends OwnedApiToken {
  /** The flow asked for, only while the token is live; null when it is not, or the account has no such flow. */
  flow: FlowRecord | null;
}

export interface TokenLookup {
  /** The token with its account's username, in one read where the database can join; null when either is gone. */
  getByHash(tokenHash: string): Promise<OwnedApiToken | null>;
  /**
   * getByHash, and the flow `flowId` of the token's account when the token is live at `now` (ISO time:
   * not revoked, not expired), as `FlowStore.get` reads it. D1 and Postgres make it one read; the
   * default (`tokenThenFlow`, for a store whose flow key needs the account) is the two reads in turn.
   */
  getByHashWithFlow(tokenHash: string, flowId: string, now: string): Promise<OwnedApiTokenWithFlow | null>;
}

/** Whether a token still authenticates at `now` (ms): neither revoked nor expired. */
export function isLiveToken(token: ApiTokenRecord, now: number): boolean {
  return !token.revoked_at && !(token.expires_at && Date.parse(token.expires_at) <= now);
}

/** The default `getByHashWithFlow`: the token, then (only for a live one) the flow of its account. */
export async function tokenThenFlow(
  tokens: Pick<TokenLookup, "getByHash">,
  flows: Pick<FlowStore, "get">,
  tokenHash: string,
  flowId: string,
  now: string,
): Promise<OwnedApiTokenWithFlow | null> {
  const found = await tokens.getByHash(tokenHash);
  if (!found) return null;
  const live = isLiveToken(found.token, Date.parse(now));
  return { ...found, flow: live ? await flows.get(found.token.account_id, flowId) : null };
}

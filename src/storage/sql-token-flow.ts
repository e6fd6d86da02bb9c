import { and, eq, gt, isNull, or, type Column, type SQL } from "drizzle-orm";

/**
 * The join of a flow on a token's row for `getByHashWithFlow` (token-lookup.ts): the flow `flowId` of
 * the token's account, only while the token is live at `now` (ISO times compare as text).
 * For both SQL providers (D1 and Postgres tables).
 */
export function liveTokensFlow(
  token: { account_id: Column; revoked_at: Column; expires_at: Column },
  flow: { account_id: Column; id: Column },
  flowId: string,
  now: string,
): SQL | undefined {
  return and(
    eq(flow.account_id, token.account_id),
    eq(flow.id, flowId),
    isNull(token.revoked_at),
    or(isNull(token.expires_at), gt(token.expires_at, now)),
  );
}

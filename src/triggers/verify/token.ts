/** Shared-secret schemes: a token in a header or the query string, and HTTP Basic. */
import { constantTimeEqual } from "../../lib/crypto";
import { decodeBase64 } from "../../lib/encoding";
import { accepted, headerValue, refused, type SignedRequest, type VerifyResult } from "./types";

export const DEFAULT_TOKEN_HEADER = "X-Webhook-Token";

export interface TokenScheme {
  header?: string | undefined;
  query?: string | undefined;
}

/** Where a token scheme reads its token: the query parameter when one is named, the header when named or when no query parameter is. */
export function tokenLocations(scheme: TokenScheme): { header: string | null; query: string | null } {
  return {
    header: scheme.header ?? (scheme.query === undefined ? DEFAULT_TOKEN_HEADER : null),
    query: scheme.query ?? null,
  };
}

export async function verifyToken(scheme: TokenScheme, secret: string, request: SignedRequest): Promise<VerifyResult> {
  const where = tokenLocations(scheme);
  const candidates: string[] = [];
  if (where.header !== null) {
    const value = headerValue(request.headers, where.header);
    // `Authorization: Bearer <token>` carries the token after its scheme word.
    if (value !== null) candidates.push(where.header.toLowerCase() === "authorization" ? value.replace(/^Bearer\s+/i, "") : value);
  }
  if (where.query !== null) {
    const value = request.query.get(where.query);
    if (value) candidates.push(value);
  }
  const expected = [where.header, where.query && `?${where.query}`].filter(Boolean).join(" or ");
  if (candidates.length === 0) return refused("missing_credentials", `The token is missing (expected in ${expected})`);
  let matched = false;
  for (const candidate of candidates) if (await constantTimeEqual(candidate, secret)) matched = true;
  return matched ? accepted() : refused("bad_credentials", "The token is not valid");
}

export async function verifyBasic(username: string, password: string, request: SignedRequest): Promise<VerifyResult> {
  const header = headerValue(request.headers, "Authorization");
  const match = header?.match(/^Basic\s+(\S+)$/i);
  if (!match) return refused("missing_credentials", "HTTP Basic credentials are required");
  const decoded = decodeBase64(match[1]!);
  const text = decoded && new TextDecoder().decode(decoded);
  const colon = text ? text.indexOf(":") : -1;
  if (!text || colon === -1) return refused("bad_credentials", "The HTTP Basic credentials are malformed");
  // Both halves are compared whatever the first gave, so timing says nothing about the username.
  const [userOk, passwordOk] = await Promise.all([
    constantTimeEqual(text.slice(0, colon), username),
    constantTimeEqual(text.slice(colon + 1), password),
  ]);
  return userOk && passwordOk ? accepted() : refused("bad_credentials", "The username or password is not valid");
}

/**
 * The JWTs that `POST /login` issues: HS256 only, signed and checked by `hono/jwt`. Hono checks the
 * header (an algorithm it knows and exactly HS256, so `none` and algorithm confusion are refused),
 * the issuer and the signature; the claims FlowRunner needs and the validity window (with leeway,
 * against a clock the caller passes) are checked here.
 */
import { sign, verify } from "hono/jwt";
import { isRecord } from "../lib/json";

export interface JwtClaims {
  sub: string;
  username: string;
  iat: number;
  nbf: number;
  exp: number;
  iss: string;
}

export const JWT_ISSUER = "flowrunner";
const ALGORITHM = "HS256";
// Tolerated clock difference between the signer and the verifier.
const LEEWAY_SECONDS = 30;

export function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  return sign({ ...claims }, secret, ALGORITHM);
}

/** The claims of a valid token, else null (never throws). */
export async function verifyJwt(token: string, secret: string, nowSeconds: number): Promise<JwtClaims | null> {
  let claims: unknown;
  try {
    // Time claims are checked below, with leeway and the caller's clock.
    claims = await verify(token, secret, { alg: ALGORITHM, iss: JWT_ISSUER, exp: false, nbf: false, iat: false });
  } catch {
    return null;
  }
  if (!isClaims(claims) || claims.iss !== JWT_ISSUER) return null;
  if (claims.exp + LEEWAY_SECONDS <= nowSeconds) return null;
  if (claims.nbf - LEEWAY_SECONDS > nowSeconds || claims.iat - LEEWAY_SECONDS > nowSeconds) return null;
  return claims;
}

export function looksLikeJwt(token: string): boolean {
  return token.startsWith("eyJ") && token.split(".").length === 3;
}

function isClaims(value: unknown): value is JwtClaims {
  return (
    isRecord(value) &&
    typeof value.sub === "string" &&
    typeof value.username === "string" &&
    Number.isFinite(value.iat) &&
    Number.isFinite(value.nbf) &&
    Number.isFinite(value.exp) &&
    typeof value.iss === "string"
  );
}

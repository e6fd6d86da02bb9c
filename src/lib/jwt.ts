import { isRecord } from "./json";
import { base64UrlDecode, base64UrlEncode, utf8 } from "./encoding";

export interface JwtClaims {
  sub: string;
  username: string;
  iat: number;
  nbf: number;
  exp: number;
  iss: string;
}

export const JWT_ISSUER = "flowrunner";
const HEADER = base64UrlEncode(utf8(JSON.stringify({ alg: "HS256", typ: "JWT" })));
// Tolerated clock difference between the signer and the verifier.
const LEEWAY_SECONDS = 30;

export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  const body = `${HEADER}.${base64UrlEncode(utf8(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), utf8(body));
  return `${body}.${base64UrlEncode(new Uint8Array(signature))}`;
}

/**
 * Returns the claims of a valid HS256 token, else null. Only HS256 is
 * accepted, whatever the header says, which closes the `alg: none` and
 * algorithm-confusion attacks.
 */
export async function verifyJwt(token: string, secret: string, nowSeconds: number): Promise<JwtClaims | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const head: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(header)));
    if (!isRecord(head) || head.alg !== "HS256") return null;
    const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), base64UrlDecode(signature), utf8(`${header}.${payload}`));
    if (!valid) return null;
    const claims: unknown = JSON.parse(new TextDecoder().decode(base64UrlDecode(payload)));
    if (!isClaims(claims) || claims.iss !== JWT_ISSUER) return null;
    if (claims.exp + LEEWAY_SECONDS <= nowSeconds || claims.nbf - LEEWAY_SECONDS > nowSeconds) return null;
    return claims;
  } catch {
    return null;
  }
}

export function looksLikeJwt(token: string): boolean {
  return token.startsWith("eyJ") && token.split(".").length === 3;
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function isClaims(value: unknown): value is JwtClaims {
  return (
    isRecord(value) &&
    typeof value.sub === "string" &&
    typeof value.username === "string" &&
    typeof value.iat === "number" &&
    typeof value.nbf === "number" &&
    typeof value.exp === "number" &&
    typeof value.iss === "string"
  );
}

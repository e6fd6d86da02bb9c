/** Schemes that sign the body alone: GitHub's X-Hub-Signature-256, and any HMAC in a header. */
import { anyHmacMatches, decodeSignature, utf8, type HmacAlgorithm, type SignatureEncoding } from "./hmac";
import { accepted, headerValue, refused, type SignedRequest, type VerifyResult } from "./types";

export interface HmacScheme {
  header: string;
  algorithm: HmacAlgorithm;
  encoding: SignatureEncoding;
  prefix: string;
}

/** The signature in `scheme.header`, after `scheme.prefix`, must be the HMAC of the raw body keyed by the secret's UTF-8 bytes. */
export async function verifyHmac(scheme: HmacScheme, secret: string, request: SignedRequest): Promise<VerifyResult> {
  const value = headerValue(request.headers, scheme.header);
  if (value === null) return refused("missing_signature", `The ${scheme.header} header is missing`);
  if (!value.startsWith(scheme.prefix)) {
    return refused("malformed_signature", `The ${scheme.header} header must start with "${scheme.prefix}"`);
  }
  const signature = decodeSignature(value.slice(scheme.prefix.length).trim(), scheme.encoding);
  if (!signature) return refused("malformed_signature", `The ${scheme.header} header does not hold a ${scheme.encoding} signature`);
  const matches = await anyHmacMatches(scheme.algorithm, utf8(secret), request.body, [signature]);
  return matches ? accepted() : refused("bad_signature", `The ${scheme.header} signature does not match the body`);
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex>`; the delivery id is X-GitHub-Delivery. */
export async function verifyGithub(secret: string, request: SignedRequest): Promise<VerifyResult> {
  const result = await verifyHmac(
    { header: "X-Hub-Signature-256", algorithm: "sha256", encoding: "hex", prefix: "sha256=" },
    secret,
    request,
  );
  return result.ok ? accepted(headerValue(request.headers, "X-GitHub-Delivery")) : result;
}

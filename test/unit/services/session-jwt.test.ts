import { describe, expect, it } from "vitest";
import { base64UrlEncode, utf8 } from "../../../src/lib/encoding";
import { sign } from "hono/jwt";
import { JWT_ISSUER, signJwt, verifyJwt, type JwtClaims } from "../../../src/services/session-jwt";

const SECRET = "unit-test-secret";
const now = 1_800_000_000;
const claims = (over: Partial<JwtClaims> = {}): JwtClaims => ({
  sub: "acc_1",
  username: "alice",
  iat: now,
  nbf: now,
  exp: now + 3600,
  iss: JWT_ISSUER,
  ...over,
});
const b64json = (value: unknown) => base64UrlEncode(utf8(JSON.stringify(value)));

describe("JWT", () => {
  it("round-trips valid claims", async () => {
    expect(await verifyJwt(await signJwt(claims(), SECRET), SECRET, now + 10)).toEqual(claims());
  });

  it("rejects a token signed with another key", async () => {
    expect(await verifyJwt(await signJwt(claims(), "other-secret"), SECRET, now)).toBeNull();
  });

  it("rejects alg none, even with an empty or copied signature", async () => {
    const valid = await signJwt(claims(), SECRET);
    const [, payload, signature] = valid.split(".");
    const none = b64json({ alg: "none", typ: "JWT" });
    expect(await verifyJwt(`${none}.${payload}.`, SECRET, now)).toBeNull();
    expect(await verifyJwt(`${none}.${payload}.${signature}`, SECRET, now)).toBeNull();
  });

  it("rejects every algorithm but HS256, even with a valid signature under the same secret", async () => {
    for (const alg of ["HS384", "HS512"] as const) {
      const token = await sign({ ...claims() }, SECRET, alg);
      expect(JSON.parse(atob(token.split(".")[0]!)).alg).toBe(alg);
      expect(await verifyJwt(token, SECRET, now)).toBeNull();
    }
    // An asymmetric algorithm named in the header, with the HMAC signature of the real token (algorithm confusion).
    const [, payload, signature] = (await signJwt(claims(), SECRET)).split(".");
    for (const alg of ["RS256", "ES256", "EdDSA", "NONE", "hs256"]) {
      expect(await verifyJwt(`${b64json({ alg, typ: "JWT" })}.${payload}.${signature}`, SECRET, now)).toBeNull();
    }
  });

  it("accepts tokens in the format issued before (header alg HS256, typ JWT, unpadded base64url)", async () => {
    const [header] = (await signJwt(claims(), SECRET)).split(".");
    expect(header).toBe(b64json({ alg: "HS256", typ: "JWT" }));
  });

  it("rejects claims of the wrong shape even when signed", async () => {
    const { username: _u, ...withoutUsername } = claims();
    expect(await verifyJwt(await sign(withoutUsername, SECRET, "HS256"), SECRET, now)).toBeNull();
    expect(await verifyJwt(await sign({ ...claims(), exp: Number.NaN }, SECRET, "HS256"), SECRET, now)).toBeNull();
    expect(await verifyJwt(await sign({ ...claims(), sub: 42 }, SECRET, "HS256"), SECRET, now)).toBeNull();
  });

  it("rejects a tampered payload", async () => {
    const [header, , signature] = (await signJwt(claims(), SECRET)).split(".");
    expect(await verifyJwt(`${header}.${b64json(claims({ sub: "acc_2" }))}.${signature}`, SECRET, now)).toBeNull();
  });

  it("rejects expired and not-yet-valid tokens beyond a 30 s leeway", async () => {
    const token = await signJwt(claims(), SECRET);
    expect(await verifyJwt(token, SECRET, now + 3600 + 29)).not.toBeNull();
    expect(await verifyJwt(token, SECRET, now + 3600 + 30)).toBeNull();
    const future = await signJwt(claims({ nbf: now + 600 }), SECRET);
    expect(await verifyJwt(future, SECRET, now)).toBeNull();
    expect(await verifyJwt(future, SECRET, now + 600)).not.toBeNull();
  });

  it("rejects a wrong issuer and garbage", async () => {
    expect(await verifyJwt(await signJwt(claims({ iss: "someone-else" }), SECRET), SECRET, now)).toBeNull();
    const { iss: _i, ...withoutIssuer } = claims();
    expect(await verifyJwt(await sign(withoutIssuer, SECRET, "HS256"), SECRET, now)).toBeNull();
    for (const junk of ["", "a.b", "a.b.c", "eyJ.eyJ.eyJ", "....", "%%%.%%%.%%%"]) {
      expect(await verifyJwt(junk, SECRET, now)).toBeNull();
    }
  });
});

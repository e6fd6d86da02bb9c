import type { AppConfig } from "../env";
import { tooManyRequests, unauthorized } from "../errors";
import { DUMMY_PASSWORD_HASH, sha256Hex, verifyPassword } from "../lib/crypto";
import { JWT_ISSUER, looksLikeJwt, signJwt, verifyJwt } from "./session-jwt";
import type { AccountRecord, FlowRecord, Storage } from "../storage/types";
import { isLiveToken, type OwnedApiToken } from "../storage/token-lookup";
import type { LoginResult } from "./account-schemas";
import { normaliseUsername } from "./accounts";
import type { AuditService } from "./audit";
import type { Throttle } from "./throttle";
import { TOKEN_PREFIX } from "./tokens";
import { asError, log } from "../lib/log";

export interface Principal {
  account_id: string;
  username: string;
  via: "jwt" | "api_token" | "basic";
  token_id?: string;
  /** The client address the request came from (`clientIp()`), for the audit log. */
  ip?: string;
}

/** A caller, and the flow it names when its credential's lookup could read that flow too. */
export interface Authenticated {
  principal: Principal;
  /**
   * Only for a Bearer API token (read with the token, in one round trip on D1 and Postgres): the
   * flow of the caller's account, null when it has none. Absent for other credentials: the caller reads it.
   */
  flow?: FlowRecord | null;
}

// Writing last_used_at on every request would turn each API call into a write.
const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export class AuthService {
  constructor(
    private readonly storage: Storage,
    private readonly config: AppConfig,
    private readonly throttle: Throttle,
    private readonly defer: (work: Promise<unknown>) => void,
    private readonly audit: AuditService,
  ) {}

  async login(username: string, password: string, clientIp: string): Promise<LoginResult> {
    const account = await this.checkPassword(username, password, clientIp, "login");
    this.audit.record({
      account_id: account.id,
      actor: account.username,
      action: "login.succeeded",
      target_type: "account",
      target_id: account.id,
      ip: clientIp,
      details: { via: "login" },
    });
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.config.jwtTtlSeconds;
    const token = await signJwt(
      { sub: account.id, username: account.username, iat: now, nbf: now, exp, iss: JWT_ISSUER },
      this.config.jwtSecret,
    );
    return { token, account_id: account.id, username: account.username, expires_at: new Date(exp * 1000).toISOString() };
  }

  /** Resolves an Authorization header to the caller, or throws 401/429. */
  async authenticate(header: string | undefined, clientIp: string): Promise<Principal> {
    return (await this.resolve(header, clientIp)).principal;
  }

  /**
   * authenticate, for a request about the flow `flowId`: an API token's lookup reads the flow too.
   * A credential that does not authenticate fails the same way, and tells nothing about the flow.
   */
  authenticateForFlow(header: string | undefined, clientIp: string, flowId: string): Promise<Authenticated> {
    return this.resolve(header, clientIp, flowId);
  }

  private async resolve(header: string | undefined, clientIp: string, flowId?: string): Promise<Authenticated> {
    if (!header) throw unauthorized();
    const space = header.indexOf(" ");
    const scheme = header.slice(0, space).toLowerCase();
    const credential = header.slice(space + 1).trim();
    if (space < 0 || !credential) throw unauthorized("Malformed Authorization header");
    if (scheme === "bearer") {
      const { principal, flow } = await this.bearer(credential, flowId);
      return { principal: { ...principal, ip: clientIp }, ...(flow === undefined ? {} : { flow }) };
    }
    if (scheme === "basic") return { principal: { ...(await this.basic(credential, clientIp)), ip: clientIp } };
    throw unauthorized("Unsupported authorization scheme; use Bearer or Basic");
  }

  private async bearer(credential: string, flowId?: string): Promise<Authenticated> {
    if (looksLikeJwt(credential)) {
      const claims = await verifyJwt(credential, this.config.jwtSecret, Math.floor(Date.now() / 1000));
      if (!claims) throw unauthorized("Invalid or expired token");
      // A deleted account's tokens must stop working even before they expire.
      const account = await this.storage.accounts.get(claims.sub);
      if (!account) throw unauthorized("Invalid or expired token");
      return { principal: { account_id: account.id, username: account.username, via: "jwt" } };
    }
    if (credential.startsWith(TOKEN_PREFIX)) return this.apiToken(credential, { flowId });
    throw unauthorized("Invalid or expired token");
  }

  /** `expectedAccount`: the token must be this account's (Basic); `flowId`: read that flow of the token's account too. */
  private async apiToken(token: string, options: { expectedAccount?: string; flowId?: string | undefined }): Promise<Authenticated> {
    const { expectedAccount, flowId } = options;
    const now = Date.now();
    const hash = await sha256Hex(token);
    // A deleted account's tokens stop working: the lookup finds a token only with its account.
    const found: (OwnedApiToken & { flow?: FlowRecord | null }) | null =
      flowId === undefined
        ? await this.storage.tokens.getByHash(hash)
        : await this.storage.tokens.getByHashWithFlow(hash, flowId, new Date(now).toISOString());
    if (!found) throw unauthorized("Invalid, expired or revoked API token");
    const { token: record, username } = found;
    if (!isLiveToken(record, now) || (expectedAccount && record.account_id !== expectedAccount)) {
      throw unauthorized("Invalid, expired or revoked API token");
    }
    if (!record.last_used_at || now - Date.parse(record.last_used_at) > TOKEN_TOUCH_INTERVAL_MS) {
      this.defer(this.storage.tokens.touch(record.id, new Date(now).toISOString()));
    }
    const principal: Principal = { account_id: record.account_id, username, via: "api_token", token_id: record.id };
    return found.flow === undefined ? { principal } : { principal, flow: found.flow };
  }

  private async basic(credential: string, clientIp: string): Promise<Principal> {
    let decoded: string;
    try {
      decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
        Uint8Array.from(atob(credential), (c) => c.charCodeAt(0)),
      );
    } catch {
      throw unauthorized("Malformed Basic credentials");
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) throw unauthorized("Malformed Basic credentials");
    const username = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    if (secret.startsWith(TOKEN_PREFIX)) {
      const account = await this.storage.accounts.getByUsername(normaliseUsername(username));
      if (!account) throw unauthorized("Invalid, expired or revoked API token");
      return { ...(await this.apiToken(secret, { expectedAccount: account.id })).principal, via: "basic" };
    }
    const account = await this.checkPassword(username, secret, clientIp, "basic");
    return { account_id: account.id, username: account.username, via: "basic" };
  }

  /**
   * Verifies a password under the failed-login throttle, per username and per
   * client address. Every failure, throttled ones included, is audited; a
   * success is audited by the caller (a login is, a Basic-auth request is not).
   */
  private async checkPassword(username: string, password: string, clientIp: string, via: "login" | "basic"): Promise<AccountRecord> {
    const name = normaliseUsername(username);
    const keys = [`user:${name}`, `ip:${clientIp}`];
    const states = await Promise.all(keys.map((k) => this.throttle.check(k)));
    const blocked = states.filter((s) => s.blocked);
    if (blocked.length > 0) {
      this.auditFailure(name, undefined, clientIp, via, "throttled");
      throw tooManyRequests(Math.max(...blocked.map((s) => s.retry_after)), "Too many failed logins; try again later");
    }
    const account = await this.storage.accounts.getByUsername(name);
    // Unknown users still pay for a hash, so timing does not reveal which usernames exist.
    const ok = await verifyPassword(password, account?.password_hash ?? DUMMY_PASSWORD_HASH);
    if (!account || !ok) {
      this.auditFailure(name, account, clientIp, via, account ? "wrong_password" : "unknown_user");
      await Promise.all(keys.map((k) => this.throttle.fail(k)));
      throw unauthorized("Invalid username or password");
    }
    await this.throttle.clear(keys[0]!);
    return account;
  }

  /**
   * A failed login goes under the account when the username exists, and with
   * no account (visible to nobody through the API) when it does not. A
   * throttled attempt never looked the account up, so that happens in the
   * background.
   */
  private auditFailure(
    name: string,
    account: AccountRecord | null | undefined,
    clientIp: string,
    via: "login" | "basic",
    reason: string,
  ): void {
    const time = new Date().toISOString();
    const entry = (found: AccountRecord | null) => ({
      account_id: found?.id ?? null,
      actor: name,
      action: "login.failed" as const,
      target_type: found ? "account" : null,
      target_id: found?.id ?? null,
      ip: clientIp,
      details: { via, reason },
      time,
    });
    if (account !== undefined) {
      this.audit.record(entry(account));
      return;
    }
    this.defer(
      this.storage.accounts
        .getByUsername(name)
        .then((found) => this.audit.write(entry(found)))
        .catch((error: unknown) => log.error("audit write failed", { action: "login.failed", error: asError(error) })),
    );
  }
}

import { hostname } from "node:os";
import type { AccountView, LoginResult } from "../../services/account-schemas";
import type { CreatedToken } from "../../services/token-schemas";
import { ApiError, Client, normaliseUrl } from "../_client";
import { int, str, UsageError, type Command } from "../_command";
import { configPath, profileName, readConfig, removeProfile, saveProfile, serverUrl } from "../_config";
import { c, err, out, printJson } from "../_output";
import { ask, readSecretLine, stdinIsTTY } from "../_prompt";

/** The server URL from --url, the environment or the profile. */
export function urlOption(flag: string | undefined, profile: string | undefined): string {
  const url = flag ?? serverUrl(profile);
  if (!url) throw new UsageError("no server: pass --url <server> (e.g. --url http://localhost:8787)");
  return normaliseUrl(url);
}

/** Username from --username or a prompt; a usage error when stdin is not a terminal. */
export async function usernameOption(flag: string | undefined): Promise<string> {
  if (flag) return flag;
  if (!stdinIsTTY()) throw new UsageError("--username is required when stdin is not a terminal");
  return ask("Username: ");
}

export const login: Command = {
  name: "login",
  summary: "Log in to a server and store an API token in a profile",
  arity: { min: 0, max: 0 },
  description: [
    "With a username and password (the password is prompted without echo, or read from the first line of",
    "stdin when it is piped), the CLI logs in, creates an API token named after this machine and stores the",
    "token, never the password or the 24-hour login JWT. With --token, that token is checked and stored.",
    `Profiles live in ${configPath()} (mode 0600).`,
  ].join("\n"),
  options: {
    url: { type: "string", value: "server", description: "Server URL, e.g. http://localhost:8787 (default: the profile's)" },
    username: { type: "string", short: "u", value: "name", description: "Username (prompted when omitted)" },
    token: { type: "string", value: "frt_...", description: "Store this API token instead of logging in with a password" },
    "token-name": { type: "string", value: "name", description: "Name of the API token to create (default: cli@<hostname>)" },
    "expires-in-days": { type: "string", value: "n", description: "Let the created token expire after n days" },
  },
  examples: [
    "flowrunner login --url http://localhost:8787",
    'echo "$PASSWORD" | flowrunner login --url https://flows.example.com --username alice --profile prod',
    "flowrunner login --url http://localhost:8787 --token frt_0123...",
  ],
  async run(ctx) {
    const name = profileName(ctx.profile);
    const url = urlOption(str(ctx.opts, "url"), ctx.profile);
    const previous = readConfig().profiles[name];
    let token = str(ctx.opts, "token");
    let tokenId: string | undefined;
    let me: Pick<AccountView, "id" | "username">;
    if (token) {
      me = await new Client(url, token).get<AccountView>("/api/v1/accounts/me");
    } else {
      const username = await usernameOption(str(ctx.opts, "username"));
      const password = await readSecretLine("Password: ");
      if (!password) throw new UsageError("no password given");
      const session = await new Client(url).post<LoginResult>("/api/v1/login", {
        username,
        password,
      });
      const days = int(ctx.opts, "expires-in-days");
      const created = await new Client(url, session.token).post<CreatedToken>("/api/v1/tokens", {
        name: str(ctx.opts, "token-name") ?? `cli@${hostname()}`.slice(0, 100),
        ...(days ? { expires_in_days: days } : {}),
      });
      token = created.token;
      tokenId = created.id;
      me = { id: session.account_id, username: session.username };
    }
    const path = saveProfile(name, { url, token, username: me.username, ...(tokenId ? { token_id: tokenId } : {}) });
    // The token this profile held before is no longer used: revoke it if the CLI made it.
    if (previous?.token_id && previous.token && previous.url === url && previous.token !== token) {
      await new Client(url, token).request("DELETE", `/api/v1/tokens/${previous.token_id}`).catch(() => undefined);
    }
    if (ctx.json) printJson({ profile: name, url, username: me.username, account_id: me.id, token_id: tokenId ?? null, config: path });
    else out(`Logged in to ${url} as ${c.bold(me.username)} (profile '${name}', saved in ${path})`);
  },
};

export const logout: Command = {
  name: "logout",
  summary: "Revoke the profile's API token (if the CLI created it) and forget the profile",
  arity: { min: 0, max: 0 },
  examples: ["flowrunner logout", "flowrunner logout --profile prod"],
  async run(ctx) {
    const name = profileName(ctx.profile);
    const profile = readConfig().profiles[name];
    if (!profile) throw new UsageError(`no profile '${name}' in ${configPath()}`);
    let revoked = false;
    if (profile.token_id && profile.token) {
      try {
        await new Client(profile.url, profile.token).request("DELETE", `/api/v1/tokens/${profile.token_id}`);
        revoked = true;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        err(`warning: could not revoke the token: ${error.code}: ${error.message}`);
      }
    }
    removeProfile(name);
    if (ctx.json) printJson({ profile: name, revoked });
    else out(`Logged out of ${profile.url} (profile '${name}'${revoked ? ", token revoked" : ""})`);
  },
};

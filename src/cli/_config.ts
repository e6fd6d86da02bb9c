/**
 * Profiles: a server URL and an API token per name, kept in
 * `$XDG_CONFIG_HOME/flowrunner/config.json` (else `~/.config/flowrunner/config.json`)
 * with 0600 permissions. `FLOWRUNNER_URL` and `FLOWRUNNER_TOKEN` override the profile.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "./_client";
import { UsageError } from "./_command";

export interface Profile {
  url: string;
  token?: string;
  /** Id of the API token the CLI created at login (so logout can revoke it). */
  token_id?: string;
  username?: string;
}

export interface ConfigFile {
  profiles: Record<string, Profile>;
}

export function configPath(): string {
  const base = process.env.XDG_CONFIG_HOME?.trim() || join(homedir(), ".config");
  return join(base, "flowrunner", "config.json");
}

export function profileName(flag: string | undefined): string {
  return flag ?? (process.env.FLOWRUNNER_PROFILE?.trim() || "default");
}

export function readConfig(): ConfigFile {
  let text: string;
  try {
    text = readFileSync(configPath(), "utf8");
  } catch {
    return { profiles: {} };
  }
  try {
    const parsed = JSON.parse(text) as Partial<ConfigFile>;
    return { profiles: typeof parsed.profiles === "object" && parsed.profiles ? parsed.profiles : {} };
  } catch {
    throw new UsageError(`the config file ${configPath()} is not valid JSON; fix or delete it`);
  }
}

/** Writes the file atomically, readable by the user only. */
export function writeConfig(config: ConfigFile): string {
  const path = configPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(config, null, 2) + "\n", { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
  return path;
}

export function saveProfile(name: string, profile: Profile): string {
  const config = readConfig();
  config.profiles[name] = profile;
  return writeConfig(config);
}

export function removeProfile(name: string): boolean {
  const config = readConfig();
  if (!(name in config.profiles)) return false;
  delete config.profiles[name];
  writeConfig(config);
  return true;
}

/** The server URL of the profile (or `FLOWRUNNER_URL`), if any. */
export function serverUrl(profileFlag: string | undefined): string | undefined {
  return process.env.FLOWRUNNER_URL?.trim() || readConfig().profiles[profileName(profileFlag)]?.url;
}

/** A client for the selected profile; environment variables win over the file. */
export function clientFor(profileFlag: string | undefined, { auth = true } = {}): Client {
  const name = profileName(profileFlag);
  const profile = readConfig().profiles[name];
  const url = process.env.FLOWRUNNER_URL?.trim() || profile?.url;
  const token = process.env.FLOWRUNNER_TOKEN?.trim() || profile?.token;
  if (!url) {
    throw new UsageError(
      profileFlag || process.env.FLOWRUNNER_PROFILE
        ? `no profile '${name}': run 'flowrunner login --url <server> --profile ${name}'`
        : "not logged in: run 'flowrunner login --url <server>' or set FLOWRUNNER_URL and FLOWRUNNER_TOKEN",
    );
  }
  if (auth && !token) throw new UsageError(`no credentials for ${url}: run 'flowrunner login' or set FLOWRUNNER_TOKEN`);
  return new Client(url, auth ? token : undefined);
}

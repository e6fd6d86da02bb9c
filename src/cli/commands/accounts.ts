import type { AccountView as Account, AccountSettingsView } from "../../services/account-schemas";
import { Client } from "../_client";
import { str, UsageError, type Command, type Group } from "../_command";
import { fields, out, printJson } from "../_output";
import { readSecretLine } from "../_prompt";
import { urlOption, usernameOption } from "./auth";

const create: Command = {
  name: "create",
  summary: "Sign up: create an account on a server",
  arity: { min: 0, max: 0 },
  description:
    "The password is prompted twice without echo, or read from the first line of stdin when it is piped. Then run 'flowrunner login'.",
  options: {
    url: { type: "string", value: "server", description: "Server URL (default: the profile's, or $FLOWRUNNER_URL)" },
    username: { type: "string", short: "u", value: "name", description: "Username: 3-64 letters, digits, _ . @ - (prompted when omitted)" },
  },
  examples: [
    "flowrunner accounts create --url http://localhost:8787 --username alice",
    'echo "$PASSWORD" | flowrunner accounts create --url http://localhost:8787 --username ci-bot',
  ],
  async run(ctx) {
    const url = urlOption(str(ctx.opts, "url"), ctx.profile);
    const username = await usernameOption(str(ctx.opts, "username"));
    const password = await readSecretLine("Password (8 characters or more): ", { confirm: true });
    if (!password) throw new UsageError("no password given");
    const account = await new Client(url).post<Account>("/api/v1/accounts", { username, password });
    if (ctx.json) return printJson(account);
    out(`Created account ${account.username} (${account.id}) on ${url}`);
    out(`Next: flowrunner login --url ${url} --username ${account.username}`);
  },
};

const me: Command = {
  name: "me",
  summary: "Show the account the current credentials belong to",
  arity: { min: 0, max: 0 },
  examples: ["flowrunner accounts me", "flowrunner accounts me --profile prod --json"],
  async run(ctx) {
    const client = await ctx.client();
    const account = await client.get<Account>("/api/v1/accounts/me");
    if (ctx.json) return printJson(account);
    fields([
      ["id", account.id],
      ["username", account.username],
      ["server", client.baseUrl],
      ["created", account.created_at],
    ]);
  },
};

const settings: Command = {
  name: "settings",
  summary: "Show or change the account's settings: how many days its finished runs are kept",
  arity: { min: 0, max: 0 },
  description:
    "--retention-days sets how long finished runs are kept (0: forever; 'server' follows the server's RETENTION_DAYS). A flow's own retention: wins. Without options, shows the settings.",
  options: {
    "retention-days": { type: "string", value: "days|server", description: "Days finished runs are kept (0: forever), or 'server'" },
  },
  examples: [
    "flowrunner accounts settings",
    "flowrunner accounts settings --retention-days 90",
    "flowrunner accounts settings --retention-days server",
  ],
  async run(ctx) {
    const client = await ctx.client();
    const days = str(ctx.opts, "retention-days");
    const path = "/api/v1/accounts/me/settings";
    const view =
      days === undefined
        ? await client.get<AccountSettingsView>(path)
        : await client.request<AccountSettingsView>("PATCH", path, { body: { retention_days: retentionDays(days) } });
    if (ctx.json) return printJson(view);
    const effective = view.effective_retention_days === 0 ? "forever" : `${view.effective_retention_days} days`;
    fields([["retention", view.retention_days === null ? `${effective} (the server's)` : effective]]);
  },
};

function retentionDays(value: string): number | null {
  if (value === "server") return null;
  if (!/^\d+$/.test(value)) throw new UsageError(`--retention-days must be a whole number of days or 'server', got '${value}'`);
  return Number(value);
}

export const accounts: Group = {
  name: "accounts",
  summary: "Create an account, show the current one and its settings",
  commands: [create, me, settings],
};

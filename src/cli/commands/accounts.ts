import type { AccountView as Account } from "../../services/account-schemas";
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

export const accounts: Group = { name: "accounts", summary: "Create an account, show the current one", commands: [create, me] };

import type { CreatedToken, TokenView } from "../../services/token-schemas";
import { int, type Command, type Group } from "../_command";
import { c, err, formatTime, out, printJson, table } from "../_output";
import { listPages, mentionNextPage, PAGE_OPTIONS } from "../_pages";

/** A token as listed; as created, it carries the token itself once. */
type Token = TokenView & Partial<Pick<CreatedToken, "token">>;

const create: Command = {
  name: "create",
  summary: "Create an API token (its value is shown once)",
  args: "<name>",
  arity: { min: 1, max: 1 },
  description: "Prints the token value alone on stdout (the details go to stderr), so it can be captured.",
  options: { "expires-in-days": { type: "string", value: "n", description: "Expire after n days (default: never)" } },
  examples: [
    "flowrunner tokens create ci",
    "TOKEN=$(flowrunner tokens create deploy --expires-in-days 30)",
    "flowrunner tokens create ci --json | jq -r .token",
  ],
  async run(ctx) {
    const days = int(ctx.opts, "expires-in-days");
    const token = await (
      await ctx.client()
    ).post<Token>("/api/v1/tokens", { name: ctx.args[0], ...(days ? { expires_in_days: days } : {}) });
    if (ctx.json) return printJson(token);
    err(
      `Created token ${c.bold(token.id, process.stderr)} '${token.name}'${token.expires_at ? `, expires ${formatTime(token.expires_at)}` : ""}. Store it now: it is not shown again.`,
    );
    out(token.token ?? "");
  },
};

const list: Command = {
  name: "list",
  summary: "List API tokens (never their values)",
  arity: { min: 0, max: 0 },
  options: { ...PAGE_OPTIONS },
  examples: ["flowrunner tokens list", "flowrunner tokens list --json"],
  async run(ctx) {
    const page = await listPages<Token>(await ctx.client(), "/api/v1/tokens", "tokens", ctx.opts);
    if (ctx.json) return printJson({ tokens: page.items, next_cursor: page.next_cursor });
    table(
      page.items,
      [
        { header: "id", value: (t) => t.id },
        { header: "name", value: (t) => t.name },
        { header: "prefix", value: (t) => t.prefix },
        { header: "created", value: (t) => formatTime(t.created_at) },
        { header: "expires", value: (t) => formatTime(t.expires_at) },
        { header: "last used", value: (t) => formatTime(t.last_used_at) },
        { header: "revoked", value: (t) => formatTime(t.revoked_at) },
      ],
      "No tokens.",
    );
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

const revoke: Command = {
  name: "revoke",
  summary: "Revoke an API token; it stops working at once",
  args: "<token-id>",
  arity: { min: 1, max: 1 },
  examples: ["flowrunner tokens revoke tok_0123456789abcdefghijklmno"],
  async run(ctx) {
    const id = ctx.args[0]!;
    await (await ctx.client()).request("DELETE", `/api/v1/tokens/${encodeURIComponent(id)}`);
    if (ctx.json) return printJson({ id, revoked: true });
    out(`Revoked token ${id}`);
  },
};

export const tokens: Group = { name: "tokens", summary: "Manage API tokens: create, list, revoke", commands: [create, list, revoke] };

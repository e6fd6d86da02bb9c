import type { SecretView as Secret } from "../../services/secret-schemas";
import { str, UsageError, type Command, type Group } from "../_command";
import { formatTime, out, printJson, table } from "../_output";
import { listPages, mentionNextPage, PAGE_OPTIONS } from "../_pages";
import { askHidden, readInput, readStdin, stdinIsTTY } from "../_prompt";

const base = "/api/v1/accounts/me/secrets";

const list: Command = {
  name: "list",
  summary: "List secrets (names and metadata; values are never shown)",
  arity: { min: 0, max: 0 },
  options: {
    type: { type: "string", value: "type", description: "Only this type: plain, api_key, oauth, database, jwt, custom" },
    tag: { type: "string", value: "tag", description: "Only secrets with this tag" },
    ...PAGE_OPTIONS,
  },
  examples: ["flowrunner secrets list", "flowrunner secrets list --type database --json"],
  async run(ctx) {
    const page = await listPages<Secret>(await ctx.client(), base, "secrets", ctx.opts, {
      type: str(ctx.opts, "type"),
      tag: str(ctx.opts, "tag"),
    });
    if (ctx.json) return printJson({ secrets: page.items, next_cursor: page.next_cursor });
    table(
      page.items,
      [
        { header: "key", value: (s) => s.key },
        { header: "type", value: (s) => s.type },
        { header: "description", value: (s) => s.description },
        { header: "tags", value: (s) => s.tags },
        { header: "updated", value: (s) => formatTime(s.updated_at) },
        { header: "last used", value: (s) => formatTime(s.last_used_at) },
      ],
      "No secrets.",
    );
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

/** A plain value: a hidden prompt on a terminal, else all of stdin minus one trailing line break. */
async function plainValue(): Promise<string> {
  const value = stdinIsTTY() ? await askHidden("Value: ") : (await readStdin()).replace(/\r?\n$/, "");
  if (value === "") throw new UsageError("empty value: pipe it on stdin or type it at the prompt");
  return value;
}

/** The fields of a structured secret: --data-file, or JSON piped on stdin. */
async function structuredData(file: string | undefined, type: string): Promise<Record<string, unknown>> {
  if (file === undefined && stdinIsTTY()) throw new UsageError(`a ${type} secret needs --data-file <file.json> (or its JSON on stdin)`);
  const text = file === undefined ? await readStdin() : await readInput(file);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the ${type} secret's fields are not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new UsageError(`the ${type} secret's fields must be a JSON object`);
  return data as Record<string, unknown>;
}

const set: Command = {
  name: "set",
  summary: "Create or replace a secret; the value is read from stdin or a hidden prompt, never from arguments",
  args: "<key>",
  arity: { min: 1, max: 1 },
  description: [
    "A plain secret's value is all of stdin (one trailing line break removed) or, on a terminal, typed at a",
    "hidden prompt. Structured secrets (--type api_key, oauth, database, jwt, custom) take a JSON object of",
    "fields from --data-file or stdin. Flows use them as ${secrets.KEY} or ${secrets.KEY.field}.",
  ].join("\n"),
  options: {
    type: { type: "string", value: "type", description: "plain (default), api_key, oauth, database, jwt or custom" },
    "data-file": { type: "string", value: "file.json", description: "Fields of a structured secret as a JSON object (`-` for stdin)" },
    description: { type: "string", value: "text", description: "A description" },
    tag: { type: "string", multiple: true, value: "tag", description: "A tag" },
  },
  examples: [
    "flowrunner secrets set API_KEY                      # prompts for the value",
    "printf %s \"$API_KEY\" | flowrunner secrets set API_KEY --description 'Billing API'",
    "flowrunner secrets set DB --type database --data-file db.json",
  ],
  async run(ctx) {
    const key = ctx.args[0]!;
    const type = str(ctx.opts, "type") ?? "plain";
    const file = str(ctx.opts, "data-file");
    if (type === "plain" && file !== undefined) throw new UsageError("--data-file is for structured secrets; give --type too");
    const value = type === "plain" ? { value: await plainValue() } : { data: await structuredData(file, type) };
    const description = str(ctx.opts, "description");
    const tags = ctx.opts.tag as string[] | undefined;
    const body = { type, ...value, ...(description !== undefined ? { description } : {}), ...(tags ? { tags } : {}) };
    const client = await ctx.client();
    const { status, body: secret } = await client.exchange<Secret>("PUT", `${base}/${encodeURIComponent(key)}`, { body });
    if (ctx.json) return printJson(secret);
    out(`${status === 201 ? "Created" : "Replaced"} secret ${secret.key} (${secret.type})`);
  },
};

const remove: Command = {
  name: "delete",
  summary: "Delete a secret",
  args: "<key>",
  arity: { min: 1, max: 1 },
  examples: ["flowrunner secrets delete API_KEY"],
  async run(ctx) {
    const key = ctx.args[0]!;
    await (await ctx.client()).request("DELETE", `${base}/${encodeURIComponent(key)}`);
    if (ctx.json) return printJson({ key, deleted: true });
    out(`Deleted secret ${key}`);
  },
};

export const secrets: Group = {
  name: "secrets",
  summary: "Manage the account's encrypted secrets: list, set, delete",
  commands: [list, set, remove],
};

import type { StoreDeleteView, StoreEntryView, StoreWriteView } from "../../services/store-schemas";
import { int, str, UsageError, type Command, type Group, type Values } from "../_command";
import { out, printJson } from "../_output";
import { listPages, mentionNextPage } from "../_pages";
import { readInput } from "../_prompt";

const base = "/api/v1/store";
const NAMESPACE = { type: "string", value: "name", description: "A separate store of the account (default `default`)" } as const;
const keyPath = (key: string) => `${base}/${encodeURIComponent(key)}`;
const namespaceQuery = (opts: Values) => ({ namespace: str(opts, "namespace") });

const get: Command = {
  name: "get",
  summary: "Print a key's value (JSON); --json adds its version and expiry",
  args: "<key>",
  arity: { min: 1, max: 1 },
  options: { namespace: NAMESPACE },
  examples: ["flowrunner store get counter:visits", "flowrunner store get seen:42 --namespace dedupe --json"],
  async run(ctx) {
    const entry = await (await ctx.client()).get<StoreEntryView>(keyPath(ctx.args[0]!), namespaceQuery(ctx.opts));
    if (ctx.json) return printJson(entry);
    out(JSON.stringify(entry.value, null, 2));
  },
};

/** The value to store: the argument parsed as JSON (a bare word is taken as a string), or --file. */
async function valueOf(arg: string | undefined, file: string | undefined): Promise<unknown> {
  if ((arg === undefined) === (file === undefined)) throw new UsageError("give the value as an argument or with --file, not both");
  const text = arg ?? (await readInput(file!));
  try {
    return JSON.parse(text);
  } catch (error) {
    if (arg !== undefined) return arg;
    throw new UsageError(`the value in ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

const set: Command = {
  name: "set",
  summary: "Set a key to a JSON value",
  args: "<key> [value]",
  arity: { min: 1, max: 2 },
  description: "The value is JSON (`42`, `'{\"a\":1}'`, `'\"text\"'`); text that is not JSON is stored as a string.",
  options: {
    file: { type: "string", value: "file.json", description: "Read the value from a JSON file (`-` for stdin)" },
    ttl: { type: "string", value: "duration", description: "Expire after this long: seconds, or e.g. 90s, 1h, 7d" },
    "if-version": { type: "string", value: "n", description: "Write only if the key is at this version (0: only if absent)" },
    namespace: NAMESPACE,
  },
  examples: [
    "flowrunner store set counter:visits 0",
    "flowrunner store set session:abc '{\"user\": 1}' --ttl 1h",
    "flowrunner store set config --file config.json --if-version 3",
  ],
  async run(ctx) {
    const value = await valueOf(ctx.args[1], str(ctx.opts, "file"));
    const ttl = str(ctx.opts, "ttl");
    const ifVersion = int(ctx.opts, "if-version");
    const body = {
      value,
      ...(ttl === undefined ? {} : { ttl: /^\d+(\.\d+)?$/.test(ttl) ? Number(ttl) : ttl }),
      ...(ifVersion === undefined ? {} : { if_version: ifVersion }),
    };
    const client = await ctx.client();
    const written = await client.request<StoreWriteView>("PUT", keyPath(ctx.args[0]!), { body, query: namespaceQuery(ctx.opts) });
    if (ctx.json) return printJson(written);
    out(`Set ${written.key} (version ${written.version})`);
  },
};

const remove: Command = {
  name: "delete",
  summary: "Delete a key",
  args: "<key>",
  arity: { min: 1, max: 1 },
  options: { namespace: NAMESPACE },
  examples: ["flowrunner store delete session:abc"],
  async run(ctx) {
    const result = await (
      await ctx.client()
    ).request<StoreDeleteView>("DELETE", keyPath(ctx.args[0]!), { query: namespaceQuery(ctx.opts) });
    if (ctx.json) return printJson(result);
    out(result.deleted ? `Deleted ${result.key}` : `${result.key} was not there`);
  },
};

const list: Command = {
  name: "list",
  summary: "List keys in key order",
  arity: { min: 0, max: 0 },
  options: {
    prefix: { type: "string", value: "prefix", description: "Only keys starting with this" },
    namespace: NAMESPACE,
    limit: { type: "string", value: "n", description: "Keys per page, 1-1000 (default 100)" },
    cursor: { type: "string", value: "cursor", description: "Continue from a previous page's next cursor" },
    all: { type: "boolean", description: "Fetch every page" },
  },
  examples: ["flowrunner store list --prefix user:", "flowrunner store list --namespace dedupe --all --json"],
  async run(ctx) {
    const page = await listPages<string>(await ctx.client(), base, "keys", ctx.opts, {
      prefix: str(ctx.opts, "prefix"),
      namespace: str(ctx.opts, "namespace"),
    });
    if (ctx.json) return printJson({ keys: page.items, next_cursor: page.next_cursor });
    out(page.items.length === 0 ? "No keys." : page.items.join("\n"));
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

export const store: Group = {
  name: "store",
  summary: "Read and write the account's key-value store: get, set, delete, list",
  commands: [get, set, remove, list],
};

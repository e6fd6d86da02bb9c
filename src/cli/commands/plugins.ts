import type { PluginDetail, PluginSummary, PluginTestResult, PluginWithSecret } from "../../services/plugin-schemas";
import { EXIT, str, UsageError, type Command, type Context, type Group } from "../_command";
import { c, err, fields, formatDuration, formatTime, out, printJson, table } from "../_output";
import { ask, readInput, stdinIsTTY } from "../_prompt";
import { parseJson } from "./run";

const base = "/api/v1/plugins";
const path = (name: string, rest = "") => `${base}/${encodeURIComponent(name)}${rest}`;

const readJsonFile = async (file: string) => parseJson(await readInput(file), file === "-" ? "stdin" : file);

function printPlugin(p: PluginDetail): void {
  fields([
    ["name", p.name],
    ["kind", p.kind],
    ["version", p.version],
    ["description", p.description],
    ...(p.url === null ? [] : ([["url", p.url]] as [string, unknown][])),
    ...(p.source === null ? [] : ([["source", `${p.source.length} characters`]] as [string, unknown][])),
    ["created", formatTime(p.created_at)],
    ["updated", formatTime(p.updated_at)],
  ]);
  out();
  table(
    p.node_types,
    [
      { header: "node type", value: (n) => n.type },
      { header: "actions", value: (n) => ["default", ...n.actions, "error"] },
      { header: "side effects", value: (n) => (n.side_effects === null ? "depends" : n.side_effects ? "yes" : "no") },
      { header: "description", value: (n) => n.description },
    ],
    "No node types.",
  );
}

/** An http plugin's secret alone on stdout (so it can be captured), what it belongs to on stderr. */
function printSaved(ctx: Context, saved: PluginDetail | PluginWithSecret, what: string): void {
  if (ctx.json) return printJson(saved);
  const secret = "secret" in saved ? saved.secret : undefined;
  err(`${what} plugin ${c.bold(saved.name, process.stderr)} version ${saved.version} (${saved.node_types.map((n) => n.type).join(", ")}).`);
  if (secret !== undefined) {
    err("Give the endpoint this signing secret to verify calls; store it now, it is not shown again.");
    out(secret);
  }
}

const list: Command = {
  name: "list",
  summary: "List built-in node types and the plugins of the account",
  arity: { min: 0, max: 0 },
  options: { "plugins-only": { type: "boolean", description: "Leave out the built-in node types" } },
  examples: ["flowrunner plugins list", "flowrunner plugins list --plugins-only --json"],
  async run(ctx) {
    const { plugins } = await (await ctx.client()).get<{ plugins: PluginSummary[] }>(base);
    const shown = ctx.opts["plugins-only"] ? plugins.filter((p) => p.kind !== "builtin") : plugins;
    if (ctx.json) return printJson({ plugins: shown });
    table(
      shown,
      [
        { header: "name", value: (p) => p.name },
        { header: "kind", value: (p) => p.kind },
        { header: "version", value: (p) => p.version },
        { header: "node types", value: (p) => p.node_types },
        { header: "description", value: (p) => p.description.split("\n")[0]!.slice(0, 60) },
      ],
      "No plugins.",
    );
  },
};

const get: Command = {
  name: "get",
  summary: "Show a plugin (or a built-in node type): version, node types; --source prints a js plugin's source",
  args: "<name>",
  arity: { min: 1, max: 1 },
  options: { source: { type: "boolean", description: "Print only the source of a js plugin" } },
  examples: ["flowrunner plugins get tickets", "flowrunner plugins get chat --source > chat.js"],
  async run(ctx) {
    const plugin = await (await ctx.client()).get<PluginDetail>(path(ctx.args[0]!));
    if (ctx.opts.source) {
      if (plugin.source === null) throw new UsageError(`plugin ${plugin.name} is ${plugin.kind}: it has no source`);
      process.stdout.write(plugin.source);
      return;
    }
    if (ctx.json) return printJson(plugin);
    printPlugin(plugin);
  },
};

const create: Command = {
  name: "create",
  summary: "Add a plugin: --js <source> --manifest <file>, or --http <url> [--manifest <file>]",
  arity: { min: 0, max: 0 },
  description: [
    "A js plugin is an ES module exporting one async function per node type, with a manifest (JSON) naming them.",
    "An http plugin is an endpoint; without --manifest its manifest is fetched with GET <url>. Its whsec_ signing",
    "secret is printed alone on stdout (the details go to stderr) and is not shown again. See docs/plugins.md.",
  ].join("\n"),
  options: {
    js: { type: "string", value: "file.js", description: "The source of a js plugin (`-` for stdin)" },
    http: { type: "string", value: "url", description: "The endpoint of an http plugin" },
    manifest: { type: "string", value: "file.json", description: "The manifest (required with --js)" },
  },
  examples: [
    "flowrunner plugins create --js chat.js --manifest chat.json",
    "SECRET=$(flowrunner plugins create --http https://tickets.example.com/plugin)",
  ],
  async run(ctx) {
    const js = str(ctx.opts, "js");
    const http = str(ctx.opts, "http");
    const manifestFile = str(ctx.opts, "manifest");
    if ((js === undefined) === (http === undefined)) throw new UsageError("give either --js <file> or --http <url>");
    const manifest = manifestFile === undefined ? undefined : await readJsonFile(manifestFile);
    let body: Record<string, unknown>;
    if (js !== undefined) {
      if (manifest === undefined) throw new UsageError("--js needs --manifest <file>");
      body = { kind: "js", manifest, source: await readInput(js) };
    } else {
      body = { kind: "http", url: http, ...(manifest === undefined ? {} : { manifest }) };
    }
    printSaved(ctx, await (await ctx.client()).post<PluginDetail | PluginWithSecret>(base, body), "Added");
  },
};

const update: Command = {
  name: "update",
  summary: "Save a new version of a plugin (runs already started keep theirs)",
  args: "<name>",
  arity: { min: 1, max: 1 },
  options: {
    source: { type: "string", value: "file.js", description: "js: the new source" },
    manifest: { type: "string", value: "file.json", description: "The new manifest" },
    url: { type: "string", value: "url", description: "http: the new endpoint" },
    "rotate-secret": { type: "boolean", description: "http: a new signing secret (printed once); the old one stops at once" },
  },
  examples: ["flowrunner plugins update chat --source chat.js", "flowrunner plugins update tickets --rotate-secret"],
  async run(ctx) {
    const source = str(ctx.opts, "source");
    const manifest = str(ctx.opts, "manifest");
    const url = str(ctx.opts, "url");
    const body = {
      ...(source === undefined ? {} : { source: await readInput(source) }),
      ...(manifest === undefined ? {} : { manifest: await readJsonFile(manifest) }),
      ...(url === undefined ? {} : { url }),
      ...(ctx.opts["rotate-secret"] ? { rotate_secret: true } : {}),
    };
    if (Object.keys(body).length === 0) throw new UsageError("nothing to change: give --source, --manifest, --url or --rotate-secret");
    const saved = await (await ctx.client()).request<PluginDetail | PluginWithSecret>("PUT", path(ctx.args[0]!), { body });
    printSaved(ctx, saved, "Saved");
  },
};

const remove: Command = {
  name: "delete",
  summary: "Delete a plugin with every version (refused while flows use it)",
  args: "<name>",
  arity: { min: 1, max: 1 },
  options: { yes: { type: "boolean", short: "y", description: "Do not ask for confirmation on a terminal" } },
  examples: ["flowrunner plugins delete chat --yes"],
  async run(ctx) {
    const name = ctx.args[0]!;
    if (!ctx.opts.yes && stdinIsTTY() && !/^y(es)?$/i.test(await ask(`Delete plugin ${name} and every version? [y/N] `))) {
      out("Nothing deleted.");
      return EXIT.other;
    }
    await (await ctx.client()).request("DELETE", path(name));
    if (ctx.json) return printJson({ name, deleted: true });
    out(`Deleted plugin ${name}`);
  },
};

const test: Command = {
  name: "test",
  summary: "Call one node type of a plugin with sample params and input; exit code 1 when it fails",
  args: "<name> <node>",
  arity: { min: 2, max: 2 },
  options: {
    params: { type: "string", value: "json", description: "Params as a JSON object (default {})" },
    input: { type: "string", value: "json", description: "The node's input as JSON (default null)" },
  },
  examples: [`flowrunner plugins test tickets create --params '{"title": "Printer"}' --input '{"email": "sam@example.com"}'`],
  async run(ctx) {
    const [name, node] = ctx.args as [string, string];
    const params = str(ctx.opts, "params");
    const input = str(ctx.opts, "input");
    const body = {
      node,
      ...(params === undefined ? {} : { params: parseJson(params, "--params") }),
      ...(input === undefined ? {} : { input: parseJson(input, "--input") }),
    };
    const result = await (await ctx.client()).post<PluginTestResult>(path(name, "/test"), body);
    if (ctx.json) printJson(result);
    else {
      for (const log of result.logs) out(c.gray(`[${log.level}] ${log.message}`));
      if (result.ok) {
        out(`${c.green("ok")} in ${formatDuration(result.duration_ms)}, action ${result.action ?? "default"}`);
        out(JSON.stringify(result.output, null, 2));
      } else {
        out(
          `${c.red("failed")} in ${formatDuration(result.duration_ms)}: ${result.error?.code}: ${result.error?.message}${result.error?.retryable ? " (retryable)" : ""}`,
        );
      }
    }
    return result.ok ? EXIT.ok : EXIT.failed;
  },
};

export const plugins: Group = {
  name: "plugins",
  summary: "Manage plugins (custom node types): list, get, create, update, delete, test",
  commands: [list, get, create, update, remove, test],
};

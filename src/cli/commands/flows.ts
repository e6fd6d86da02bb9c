import type { FlowDetail, FlowPage, FlowSummary, FlowVersionView, TriggerView } from "../../services/flow-schemas";
import { ApiError, type Client } from "../_client";
import { EXIT, int, str, UsageError, type Command, type Group } from "../_command";
import { c, formatTime, out, printError, printJson, table } from "../_output";
import { listPages, mentionNextPage, PAGE_OPTIONS } from "../_pages";
import { ask, readInput, stdinIsTTY } from "../_prompt";
import { printIssues } from "./validate";

const FLOW_ID = /^flw_[a-z0-9]{25}$/;

/** A flow id as given, or the id of the one flow with exactly that name. */
export async function resolveFlowId(client: Client, ref: string): Promise<string> {
  if (FLOW_ID.test(ref)) return ref;
  const { flows } = await client.get<FlowPage>("/api/v1/flows", { name: ref, limit: 100 });
  let matches = flows.filter((f) => f.name === ref);
  if (matches.length === 0) matches = flows.filter((f) => f.name.toLowerCase() === ref.toLowerCase());
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) throw new ApiError(404, "not_found", `no flow with the id or name '${ref}'`);
  throw new UsageError(`several flows are named '${ref}': ${matches.map((f) => f.id).join(", ")}; use an id`);
}

/** Saves a flow (POST or PUT); validation errors are shown against the file's lines. */
async function save(ctx: Parameters<Command["run"]>[0], file: string, method: "POST" | "PUT", id?: string): Promise<number> {
  const client = await ctx.client();
  const content = await readInput(file);
  const name = str(ctx.opts, "name");
  const ifMatch = int(ctx.opts, "if-match");
  const label = file === "-" ? "<stdin>" : file;
  let flow: FlowDetail;
  try {
    flow = await client.request<FlowDetail>(method, id ? `/api/v1/flows/${id}` : "/api/v1/flows", {
      body: { content, ...(name ? { name } : {}) },
      ...(ifMatch !== undefined ? { headers: { "If-Match": `"${ifMatch}"` } } : {}),
    });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    printError(error, label);
    return EXIT.failed;
  }
  if (ctx.json) printJson(flow);
  else {
    printIssues(label, { errors: [], warnings: flow.warnings ?? [] });
    out(`${method === "POST" ? "Created" : "Updated"} flow ${c.bold(flow.id)} "${flow.name}" (version ${flow.version})`);
    for (const trigger of flow.triggers.filter((t) => t.url)) out(`  webhook ${trigger.key}: ${trigger.url}`);
    for (const trigger of flow.triggers.filter((t) => t.address)) out(`  email ${trigger.key}: ${emailAddresses(trigger)}`);
  }
  return EXIT.ok;
}

const text = (value: unknown) => (typeof value === "string" ? value : undefined);
/** An email trigger's own address, and the one it declares. */
const emailAddresses = (t: TriggerView) => (t.address ? [t.address, text(t.config.address)].filter(Boolean).join(", ") : undefined);

function printTriggers(triggers: TriggerView[]): void {
  table(
    triggers,
    [
      { header: "id", value: (t) => t.id },
      { header: "key", value: (t) => t.key },
      { header: "type", value: (t) => t.type },
      { header: "state", value: (t) => (!t.enabled ? "disabled" : t.paused ? "paused" : "active") },
      {
        header: "url / schedule / watches / address",
        value: (t) => t.url ?? text(t.config.cron) ?? text(t.config.flow_id) ?? emailAddresses(t) ?? "",
      },
    ],
    "No triggers.",
  );
}

const list: Command = {
  name: "list",
  summary: "List flows, newest first",
  arity: { min: 0, max: 0 },
  options: {
    name: { type: "string", value: "text", description: "Only flows whose name contains this (case-insensitive)" },
    tag: { type: "string", value: "tag", description: "Only flows with this tag" },
    status: { type: "string", value: "status", description: "Only flows with this status (e.g. draft, active)" },
    category: { type: "string", value: "category", description: "Only flows in this category" },
    ...PAGE_OPTIONS,
  },
  examples: ["flowrunner flows list", "flowrunner flows list --tag demo --all", "flowrunner flows list --json | jq -r '.flows[].id'"],
  async run(ctx) {
    const query = {
      name: str(ctx.opts, "name"),
      tag: str(ctx.opts, "tag"),
      status: str(ctx.opts, "status"),
      category: str(ctx.opts, "category"),
    };
    const page = await listPages<FlowSummary>(await ctx.client(), "/api/v1/flows", "flows", ctx.opts, query);
    if (ctx.json) return printJson({ flows: page.items, next_cursor: page.next_cursor });
    table(
      page.items,
      [
        { header: "id", value: (f) => f.id },
        { header: "name", value: (f) => f.name },
        { header: "version", value: (f) => f.version },
        { header: "status", value: (f) => f.status },
        { header: "triggers", value: (f) => (f.enabled ? "on" : "off") },
        { header: "tags", value: (f) => f.tags },
        { header: "updated", value: (f) => formatTime(f.updated_at) },
      ],
      "No flows.",
    );
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

const get: Command = {
  name: "get",
  summary: "Print a flow's YAML (the whole record with --json)",
  args: "<flow>",
  arity: { min: 1, max: 1 },
  description: "<flow> is a flow id or an exact flow name.",
  options: { version: { type: "string", value: "n", description: "A stored version instead of the current one" } },
  examples: [
    "flowrunner flows get flw_0123456789abcdefghijklmno > hello.yaml",
    "flowrunner flows get Hello --version 1",
    "flowrunner flows get Hello --json",
  ],
  async run(ctx) {
    const client = await ctx.client();
    const id = await resolveFlowId(client, ctx.args[0]!);
    const version = int(ctx.opts, "version");
    const flow = await client.get<FlowDetail | Required<FlowVersionView>>(
      version ? `/api/v1/flows/${id}/versions/${version}` : `/api/v1/flows/${id}`,
    );
    if (ctx.json) printJson(flow);
    else process.stdout.write(flow.content.endsWith("\n") ? flow.content : flow.content + "\n");
  },
};

const create: Command = {
  name: "create",
  summary: "Save a new flow from a YAML file",
  args: "<file>",
  arity: { min: 1, max: 1 },
  description: "The server validates the flow; problems are printed as `file:line:col: message`. `-` reads stdin.",
  options: { name: { type: "string", value: "name", description: "Flow name (overrides metadata.name)" } },
  examples: [
    "flowrunner flows create hello.yaml",
    "flowrunner flows create hello.yaml --name 'Hello, staging'",
    "FLOW=$(flowrunner flows create hello.yaml --json | jq -r .id)",
  ],
  run: (ctx) => save(ctx, ctx.args[0]!, "POST"),
};

const update: Command = {
  name: "update",
  summary: "Save a new version of a flow from a YAML file",
  args: "<flow> <file>",
  arity: { min: 2, max: 2 },
  options: {
    name: { type: "string", value: "name", description: "Flow name (overrides metadata.name)" },
    "if-match": { type: "string", value: "version", description: "Only save if the current version is still this one (else 412)" },
  },
  examples: ["flowrunner flows update flw_0123456789abcdefghijklmno hello.yaml", "flowrunner flows update Hello hello.yaml --if-match 3"],
  async run(ctx) {
    const client = await ctx.client();
    return save(ctx, ctx.args[1]!, "PUT", await resolveFlowId(client, ctx.args[0]!));
  },
};

const remove: Command = {
  name: "delete",
  summary: "Delete a flow and all its versions",
  args: "<flow>",
  arity: { min: 1, max: 1 },
  options: { yes: { type: "boolean", short: "y", description: "Do not ask for confirmation on a terminal" } },
  examples: ["flowrunner flows delete flw_0123456789abcdefghijklmno --yes"],
  async run(ctx) {
    const client = await ctx.client();
    const id = await resolveFlowId(client, ctx.args[0]!);
    if (!ctx.opts.yes && stdinIsTTY() && !/^y(es)?$/i.test(await ask(`Delete flow ${id} and all its versions? [y/N] `))) {
      out("Nothing deleted.");
      return EXIT.other;
    }
    await client.request("DELETE", `/api/v1/flows/${id}`);
    if (ctx.json) printJson({ id, deleted: true });
    else out(`Deleted flow ${id}`);
  },
};

const versions: Command = {
  name: "versions",
  summary: "List a flow's versions, newest first",
  args: "<flow>",
  arity: { min: 1, max: 1 },
  options: { ...PAGE_OPTIONS },
  examples: ["flowrunner flows versions Hello", "flowrunner flows versions flw_0123456789abcdefghijklmno --all --json"],
  async run(ctx) {
    const client = await ctx.client();
    const id = await resolveFlowId(client, ctx.args[0]!);
    const page = await listPages<FlowVersionView>(client, `/api/v1/flows/${id}/versions`, "versions", ctx.opts);
    if (ctx.json) return printJson({ versions: page.items, next_cursor: page.next_cursor });
    table(page.items, [
      { header: "version", value: (v) => v.version },
      { header: "name", value: (v) => v.name },
      { header: "created", value: (v) => formatTime(v.created_at) },
      { header: "by", value: (v) => v.created_by },
    ]);
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

const triggers: Command = {
  name: "triggers",
  summary: "List a flow's triggers, with webhook URLs and email addresses",
  args: "<flow>",
  arity: { min: 1, max: 1 },
  examples: ["flowrunner flows triggers Hello", "flowrunner flows triggers Hello --json | jq -r '.triggers[].url // empty'"],
  async run(ctx) {
    const client = await ctx.client();
    const flow = await client.get<FlowDetail>(`/api/v1/flows/${await resolveFlowId(client, ctx.args[0]!)}`);
    if (ctx.json) return printJson({ enabled: flow.enabled, triggers: flow.triggers });
    if (!flow.enabled) out(c.gray("The flow is disabled: none of its triggers start runs (flowrunner flows enable)."));
    printTriggers(flow.triggers);
  },
};

function switchCommand(enabled: boolean): Command {
  const verb = enabled ? "enable" : "disable";
  return {
    name: verb,
    summary: enabled ? "Switch a flow's triggers back on" : "Switch all of a flow's triggers off (API runs still work)",
    args: "<flow>",
    arity: { min: 1, max: 1 },
    examples: [`flowrunner flows ${verb} Hello`],
    async run(ctx) {
      const client = await ctx.client();
      const id = await resolveFlowId(client, ctx.args[0]!);
      const flow = await client.request<FlowSummary>("POST", `/api/v1/flows/${id}/${verb}`);
      if (ctx.json) printJson(flow);
      else out(`${enabled ? "Enabled" : "Disabled"} the triggers of flow ${c.bold(flow.id)} "${flow.name}"`);
    },
  };
}

export const flows: Group = {
  name: "flows",
  summary: "Manage flows: list, get, create, update, delete, versions, triggers, enable, disable",
  commands: [list, get, create, update, remove, versions, triggers, switchCommand(true), switchCommand(false)],
};

import type { SchedulePage, ScheduleView } from "../../services/schedule-schemas";
import type { Command, Group } from "../_command";
import { c, fields, formatTime, out, printJson, table } from "../_output";
import { listPages, mentionNextPage, PAGE_OPTIONS } from "../_pages";
import type { Execution } from "../_render";
import { afterStart, WATCH_OPTIONS } from "./run";
import { resolveFlowId } from "./flows";

const encode = (id: string) => encodeURIComponent(id);

const list: Command = {
  name: "list",
  summary: "List schedules (cron triggers) with their next fire time",
  arity: { min: 0, max: 0 },
  options: { flow: { type: "string", value: "flow", description: "Only this flow's (id or name)" }, ...PAGE_OPTIONS },
  examples: ["flowrunner schedules list", "flowrunner schedules list --flow 'Nightly report'", "flowrunner schedules list --all --json"],
  async run(ctx) {
    const client = await ctx.client();
    const flow = typeof ctx.opts.flow === "string" ? await resolveFlowId(client, ctx.opts.flow) : undefined;
    const page = await listPages<ScheduleView>(client, "/api/v1/schedules", "schedules", ctx.opts, { flow_id: flow });
    if (ctx.json) return printJson({ schedules: page.items, next_cursor: page.next_cursor } satisfies SchedulePage);
    table(
      page.items,
      [
        { header: "id", value: (s) => s.id },
        { header: "flow", value: (s) => s.flow_id },
        { header: "key", value: (s) => (s.source === "node" ? `${s.key} (node)` : s.key) },
        { header: "cron", value: (s) => s.cron },
        { header: "timezone", value: (s) => s.timezone },
        { header: "state", value: (s) => s.state },
        { header: "next", value: (s) => formatTime(s.next_fire_at) },
        { header: "last", value: (s) => lastTick(s) },
      ],
      "No schedules.",
    );
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

const get: Command = {
  name: "get",
  summary: "Show a schedule and its recent ticks",
  args: "<schedule-id>",
  arity: { min: 1, max: 1 },
  examples: ["flowrunner schedules get trg_0123456789abcdefghijklmno"],
  async run(ctx) {
    const schedule = await (await ctx.client()).get<ScheduleView>(`/api/v1/schedules/${encode(ctx.args[0]!)}`);
    if (ctx.json) return printJson(schedule);
    printSchedule(schedule);
    out("");
    table(
      schedule.recent,
      [
        { header: "tick", value: (t) => formatTime(t.tick_at) },
        { header: "outcome", value: (t) => t.outcome },
        { header: "execution", value: (t) => t.execution_id },
        { header: "message", value: (t) => t.message },
      ],
      "No ticks yet.",
    );
  },
};

function pauseCommand(paused: boolean): Command {
  const verb = paused ? "pause" : "resume";
  return {
    name: verb,
    summary: paused ? "Pause a schedule: its ticks start nothing" : "Resume a paused schedule (missed ticks are not caught up)",
    args: "<schedule-id>",
    arity: { min: 1, max: 1 },
    examples: [`flowrunner schedules ${verb} trg_0123456789abcdefghijklmno`],
    async run(ctx) {
      const schedule = await (await ctx.client()).request<ScheduleView>("POST", `/api/v1/schedules/${encode(ctx.args[0]!)}/${verb}`);
      if (ctx.json) return printJson(schedule);
      out(
        paused
          ? `Paused schedule ${c.bold(schedule.id)} (${schedule.cron})`
          : `Resumed schedule ${c.bold(schedule.id)} (${schedule.cron}); next: ${formatTime(schedule.next_fire_at)}`,
      );
    },
  };
}

const run: Command = {
  name: "run",
  summary: "Run a schedule now: one run, as a tick would start it",
  args: "<schedule-id>",
  arity: { min: 1, max: 1 },
  description: "The run has a new id and records cron:<schedule id> as its trigger. A paused schedule can be run now.",
  options: WATCH_OPTIONS,
  examples: ["flowrunner schedules run trg_0123456789abcdefghijklmno", "flowrunner schedules run trg_0123456789abcdefghijklmno --follow"],
  async run(ctx) {
    const client = await ctx.client();
    const started = await client.request<Execution>("POST", `/api/v1/schedules/${encode(ctx.args[0]!)}/run`);
    return afterStart(ctx, client, started);
  },
};

function printSchedule(s: ScheduleView): void {
  fields([
    ["id", s.id],
    ["flow", s.flow_id],
    ["key", s.key],
    ["source", s.source === "node" ? "made by a cron node" : "declared by the flow"],
    ["cron", s.cron],
    ["timezone", s.timezone],
    ["state", s.state],
    ["next fire", formatTime(s.next_fire_at)],
    ["last tick", formatTime(s.last_tick_at)],
    ["overlap", s.overlap],
    ["catchup", s.catchup],
    ["input", s.input],
    ...(s.start_node ? ([["starts at", s.start_node]] as [string, unknown][]) : []),
  ]);
}

function lastTick(s: ScheduleView): string {
  const [newest] = s.recent;
  return newest ? `${formatTime(newest.tick_at)} ${newest.outcome}` : "-";
}

export const schedules: Group = {
  name: "schedules",
  summary: "Manage schedules (cron triggers): list, get, pause, resume, run",
  commands: [list, get, pauseCommand(true), pauseCommand(false), run],
};

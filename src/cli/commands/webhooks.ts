import type { DeliveryView, WebhookView, WebhookWithSecret } from "../../services/webhook-schemas";
import type { Client } from "../_client";
import { EXIT, seconds, str, type Command, type Context, type Group } from "../_command";
import { c, err, fields, formatDuration, formatTime, out, printJson, table } from "../_output";
import { listPages, mentionNextPage, PAGE_OPTIONS } from "../_pages";
import { ask, stdinIsTTY } from "../_prompt";
import { resolveFlowId } from "./flows";

const base = "/api/v1/webhooks";
const path = (id: string, rest = "") => `${base}/${encodeURIComponent(id)}${rest}`;

const state = (w: WebhookView) => (w.enabled ? "enabled" : w.disabled_reason ? `disabled: ${w.disabled_reason}` : "disabled");

function printWebhook(w: WebhookView): void {
  fields([
    ["id", w.id],
    ["url", w.url],
    ["events", w.events],
    ["flow", w.flow_id ?? "every flow"],
    ["description", w.description],
    ["state", state(w)],
    ["created", formatTime(w.created_at)],
    ["updated", formatTime(w.updated_at)],
  ]);
}

/** The secret alone on stdout (so it can be captured), what it belongs to on stderr. */
function printSecret(ctx: Context, w: WebhookWithSecret, what: string): void {
  if (ctx.json) return printJson(w);
  err(`${what} ${c.bold(w.id, process.stderr)} → ${w.url} (${w.events.join(", ")}). Store the signing secret now: it is not shown again.`);
  out(w.secret);
}

function lastAttempt(d: DeliveryView): string {
  const a = d.attempts.at(-1);
  if (!a) return "-";
  return `${a.status ?? a.error?.code ?? "?"} in ${formatDuration(a.latency_ms)}`;
}

const list: Command = {
  name: "list",
  summary: "List webhook subscriptions (never their secrets)",
  arity: { min: 0, max: 0 },
  options: { ...PAGE_OPTIONS },
  examples: ["flowrunner webhooks list", "flowrunner webhooks list --all --json"],
  async run(ctx) {
    const page = await listPages<WebhookView>(await ctx.client(), base, "webhooks", ctx.opts);
    if (ctx.json) return printJson({ webhooks: page.items, next_cursor: page.next_cursor });
    table(
      page.items,
      [
        { header: "id", value: (w) => w.id },
        { header: "url", value: (w) => w.url },
        { header: "events", value: (w) => w.events },
        { header: "flow", value: (w) => w.flow_id },
        { header: "state", value: state },
        { header: "created", value: (w) => formatTime(w.created_at) },
      ],
      "No webhook subscriptions.",
    );
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

const create: Command = {
  name: "create",
  summary: "Subscribe a URL to execution events (its signing secret is shown once)",
  args: "<url>",
  arity: { min: 1, max: 1 },
  description: [
    "Deliveries are POSTs signed per Standard Webhooks. The command prints the whsec_ signing secret alone on",
    "stdout (the details go to stderr), so it can be captured; it is not shown again (see rotate-secret).",
    "Events: execution.completed, execution.failed, execution.waiting, execution.cancelled, step.failed, or *",
    "(the default) for all.",
  ].join("\n"),
  options: {
    event: { type: "string", multiple: true, value: "type", description: "An event type to deliver (repeatable; default *)" },
    flow: { type: "string", value: "flow", description: "Only events of this flow's runs (an id or exact name)" },
    description: { type: "string", value: "text", description: "A description" },
  },
  examples: [
    "flowrunner webhooks create https://example.com/hooks/flowrunner",
    "SECRET=$(flowrunner webhooks create https://example.com/hook --event execution.failed --event step.failed --flow Nightly)",
  ],
  async run(ctx) {
    const client = await ctx.client();
    const flow = str(ctx.opts, "flow");
    const description = str(ctx.opts, "description");
    const body = {
      url: ctx.args[0],
      events: (ctx.opts.event as string[] | undefined) ?? ["*"],
      ...(flow !== undefined ? { flow_id: await resolveFlowId(client, flow) } : {}),
      ...(description !== undefined ? { description } : {}),
    };
    printSecret(ctx, await client.post<WebhookWithSecret>(base, body), "Created webhook subscription");
  },
};

const get: Command = {
  name: "get",
  summary: "Show a webhook subscription",
  args: "<webhook>",
  arity: { min: 1, max: 1 },
  examples: ["flowrunner webhooks get whk_0123456789abcdefghijklmno"],
  async run(ctx) {
    const webhook = await (await ctx.client()).get<WebhookView>(path(ctx.args[0]!));
    if (ctx.json) return printJson(webhook);
    printWebhook(webhook);
  },
};

const remove: Command = {
  name: "delete",
  summary: "Delete a webhook subscription and its delivery log",
  args: "<webhook>",
  arity: { min: 1, max: 1 },
  options: { yes: { type: "boolean", short: "y", description: "Do not ask for confirmation on a terminal" } },
  examples: ["flowrunner webhooks delete whk_0123456789abcdefghijklmno --yes"],
  async run(ctx) {
    const id = ctx.args[0]!;
    if (!ctx.opts.yes && stdinIsTTY() && !/^y(es)?$/i.test(await ask(`Delete webhook subscription ${id}? [y/N] `))) {
      out("Nothing deleted.");
      return EXIT.other;
    }
    await (await ctx.client()).request("DELETE", path(id));
    if (ctx.json) return printJson({ id, deleted: true });
    out(`Deleted webhook subscription ${id}`);
  },
};

function switchCommand(enabled: boolean): Command {
  const verb = enabled ? "enable" : "disable";
  return {
    name: verb,
    summary: enabled
      ? "Enable a webhook subscription again (also one disabled after failing)"
      : "Stop delivering to a webhook subscription",
    args: "<webhook>",
    arity: { min: 1, max: 1 },
    examples: [`flowrunner webhooks ${verb} whk_0123456789abcdefghijklmno`],
    async run(ctx) {
      const webhook = await (await ctx.client()).request<WebhookView>("PATCH", path(ctx.args[0]!), { body: { enabled } });
      if (ctx.json) return printJson(webhook);
      out(`${enabled ? "Enabled" : "Disabled"} webhook subscription ${c.bold(webhook.id)} → ${webhook.url}`);
    },
  };
}

const deliveries: Command = {
  name: "deliveries",
  summary: "The delivery log of a subscription: the latest deliveries and their attempts",
  args: "<webhook>",
  arity: { min: 1, max: 1 },
  options: { ...PAGE_OPTIONS },
  examples: [
    "flowrunner webhooks deliveries whk_0123456789abcdefghijklmno",
    "flowrunner webhooks deliveries whk_0123456789abcdefghijklmno --json",
  ],
  async run(ctx) {
    const page = await listPages<DeliveryView>(await ctx.client(), path(ctx.args[0]!, "/deliveries"), "deliveries", ctx.opts);
    if (ctx.json) return printJson({ deliveries: page.items, next_cursor: page.next_cursor });
    table(
      page.items,
      [
        { header: "id", value: (d) => d.id },
        { header: "event", value: (d) => d.event_type },
        { header: "status", value: (d) => d.status },
        { header: "attempts", value: (d) => d.attempt_count },
        { header: "last", value: lastAttempt },
        { header: "created", value: (d) => formatTime(d.created_at) },
        { header: "next attempt", value: (d) => formatTime(d.next_attempt_at) },
      ],
      "No deliveries.",
    );
    mentionNextPage(page.next_cursor, ctx.json);
  },
};

const WAIT_OPTION = {
  wait: {
    type: "string" as const,
    value: "duration",
    description: "How long to wait for the first attempt's outcome (default 15s; 0: do not wait)",
  },
};

/** Waits for a queued delivery's next attempt, then reports it; the exit code says whether it was delivered. */
async function report(ctx: Context, client: Client, webhook: string, queued: DeliveryView): Promise<number> {
  const waitSec = seconds(ctx.opts, "wait") ?? 15;
  const deadline = Date.now() + waitSec * 1000;
  let delivery = queued;
  const attempted = (d: DeliveryView) => d.attempt_count > queued.attempt_count || d.status !== "pending";
  while (!attempted(delivery) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    delivery = await client.get<DeliveryView>(path(webhook, `/deliveries/${encodeURIComponent(queued.id)}`));
  }
  if (ctx.json) printJson(delivery);
  const attempt = attempted(delivery) ? delivery.attempts.at(-1) : undefined;
  if (!attempt) {
    if (!ctx.json) out(`Queued ${delivery.event_type} ${c.bold(delivery.id)}; follow it with: flowrunner webhooks deliveries ${webhook}`);
    return EXIT.other;
  }
  if (!ctx.json) {
    const outcome = attempt.error ? c.red(`not delivered: ${attempt.error.message}`) : c.green(`delivered: ${attempt.status}`);
    out(`${delivery.event_type} ${c.bold(delivery.id)} ${outcome} (${formatDuration(attempt.latency_ms)})`);
    if (attempt.response) out(c.gray(`response: ${attempt.response}`));
    if (delivery.status === "pending") out(`next attempt ${formatTime(delivery.next_attempt_at)}`);
  }
  return attempt.error ? EXIT.failed : EXIT.ok;
}

const redeliver: Command = {
  name: "redeliver",
  summary: "Send a delivery again, under the same message id",
  args: "<webhook> <delivery>",
  arity: { min: 2, max: 2 },
  options: WAIT_OPTION,
  examples: ["flowrunner webhooks redeliver whk_0123456789abcdefghijklmno msg_0123456789abcdefghijklmno"],
  async run(ctx) {
    const [webhook, id] = ctx.args as [string, string];
    const client = await ctx.client();
    return report(ctx, client, webhook, await client.post<DeliveryView>(path(webhook, `/deliveries/${encodeURIComponent(id)}/redeliver`)));
  },
};

const test: Command = {
  name: "test",
  summary: "Send a webhook.test event to the subscription's URL and show how it went",
  args: "<webhook>",
  arity: { min: 1, max: 1 },
  options: WAIT_OPTION,
  examples: ["flowrunner webhooks test whk_0123456789abcdefghijklmno"],
  async run(ctx) {
    const webhook = ctx.args[0]!;
    const client = await ctx.client();
    return report(ctx, client, webhook, await client.post<DeliveryView>(path(webhook, "/test")));
  },
};

const rotate: Command = {
  name: "rotate-secret",
  summary: "Replace a subscription's signing secret (the new one is shown once)",
  args: "<webhook>",
  arity: { min: 1, max: 1 },
  examples: [
    "flowrunner webhooks rotate-secret whk_0123456789abcdefghijklmno",
    "SECRET=$(flowrunner webhooks rotate-secret whk_0123456789abcdefghijklmno)",
  ],
  async run(ctx) {
    printSecret(ctx, await (await ctx.client()).post<WebhookWithSecret>(path(ctx.args[0]!, "/rotate-secret")), "New signing secret for");
  },
};

export const webhooks: Group = {
  name: "webhooks",
  summary: "Manage outbound webhooks: list, create, get, delete, enable, disable, deliveries, redeliver, test, rotate-secret",
  commands: [list, create, get, remove, switchCommand(true), switchCommand(false), deliveries, redeliver, test, rotate],
};

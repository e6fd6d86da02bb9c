/**
 * Validator worst cases, within and past the input budget (src/input-budget.ts), as requests to
 * FlowRunner under `wrangler dev`: the largest flows the budget allows (by tokens, nodes and bytes),
 * the most aliases and expansion, the most bad references with hints, and the hostile documents the
 * budget refuses. Each case is sent sequentially, with warm-up; the figure is the client's time for
 * the whole request (HTTP, auth and validation). Target: every case ≤ 50 ms (median).
 */
import { Buffer } from "node:buffer";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Lexer } from "yaml";
import { stats } from "../engine/load.mjs";
import { applyD1Migrations, build, prepare, root, startServer } from "../engine/servers.mjs";
import { aliasFlood, danglingEdges, deepJson, deepYaml, laughs, manyNodes } from "../../test/helpers/hostile-documents.mjs";

export const name = "Validator: worst cases within and past the input budget";

const TARGET_MS = 50;
/** The token budget (src/input-budget.ts `yamlTokens`). */
const INPUT_BUDGET_TOKENS = 50_000;
const PLANS = { full: { warmup: 3, samples: 20 }, quick: { warmup: 1, samples: 3 } };

/** A valid flow of `count` nodes in block style with a script each: the common large shape. */
function scriptedNodes(count) {
  const out = ["metadata: {name: large, tags: [bench]}", "nodes:"];
  for (let i = 0; i < count; i++) {
    out.push(
      `  step_${i}:`,
      "    type: transform",
      "    params:",
      `      script: "return {id: input.id, total: (input.lines || []).reduce((s, l) => s + l.price, ${i})}"`,
    );
    if (i + 1 < count) out.push(`    next: {default: step_${i + 1}}`);
  }
  return `${out.join("\n")}\n`;
}

/** 1,000 aliases to a 4-value block: the most aliases the budget allows, in a valid flow. */
function mostAliases() {
  const out = ["metadata: {name: aliases, shared: &h {a: '1', b: '2', c: '3', d: '4'}}", "nodes:"];
  for (let i = 0; i < 1_000; i++)
    out.push(
      `  n${i}: {type: http.request, params: {url: "https://example.com/${i}", headers: *h}${i + 1 < 1_000 ? `, next: {default: n${i + 1}}` : ""}}`,
    );
  return `${out.join("\n")}\n`;
}

/** 1,000 flow-style nodes padded (in metadata) to just under the token budget: the densest valid flow. */
function denseAtBudget() {
  const base = manyNodes(1_000);
  const tokens = (text) => {
    let n = 0;
    for (const _ of new Lexer().lex(text)) n++;
    return n;
  };
  const padded = (n) =>
    base.replace("metadata: {name: many}", `metadata: {name: many, padding: [${Array.from({ length: n }, (_, i) => i % 10).join(", ")}]}`);
  // The most padding items that keep the flow under the budget.
  let low = 0;
  let high = INPUT_BUDGET_TOKENS;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (tokens(padded(mid)) <= INPUT_BUDGET_TOKENS) low = mid;
    else high = mid - 1;
  }
  return padded(low);
}

const CASES = [
  {
    key: "scripted-1000",
    label: "1,000 nodes with a script each (valid)",
    within: true,
    flow: () => scriptedNodes(1_000),
    expect: { valid: true },
  },
  {
    key: "dense-max",
    label: "1,000 nodes padded to the token budget (valid, ≈49,980 tokens)",
    within: true,
    flow: denseAtBudget,
    expect: { valid: true },
  },
  { key: "dense-1000", label: "1,000 nodes, flow style (valid)", within: true, flow: () => manyNodes(1_000), expect: { valid: true } },
  {
    key: "aliases",
    label: "1,000 aliases to one anchor, 4,000 values of expansion (valid)",
    within: true,
    flow: mostAliases,
    expect: { valid: true },
  },
  {
    key: "dangling",
    label: "999 edges to missing nodes, 999 similar 60-character ids",
    within: true,
    flow: () => danglingEdges(999, 60),
    expect: { code: "dangling_edge" },
  },
  { key: "laughs", label: "billion laughs (9 levels × 10)", within: false, flow: () => laughs(9, 10), expect: { limit: "aliasExpansion" } },
  {
    key: "alias-flood",
    label: "5,000 aliases to one anchor",
    within: false,
    flow: () => aliasFlood(5_000),
    expect: { limit: "yamlAliases" },
  },
  {
    key: "nodes-10000",
    label: "10,000 nodes",
    within: false,
    flow: () => `metadata: {name: x}\nnodes:\n${Array.from({ length: 10_000 }, (_, i) => `  n${i}: {type: delay}`).join("\n")}\n`,
    expect: { limit: "yamlTokens" },
  },
  {
    key: "deep-compact",
    label: "`- ` nested 100,000 deep",
    within: false,
    flow: () => deepYaml("compact", 100_000),
    expect: { limit: "flowDepth" },
  },
  {
    key: "deep-brackets",
    label: "`[` nested 100,000 deep",
    within: false,
    flow: () => deepYaml("flow", 100_000),
    expect: { limit: "flowDepth" },
  },
  {
    key: "long-start",
    label: "28,000-character start beside a similar id",
    within: false,
    flow: () => `metadata: {name: s}\nstart: ${"a".repeat(28_000)}\nnodes:\n  ${"a".repeat(127)}b: {type: delay, params: {duration: 1s}}\n`,
    expect: { limit: "idLength" },
  },
];

function check(c, body) {
  if (c.expect.valid) return body.valid === true ? undefined : `expected a valid flow, got ${JSON.stringify(body.errors?.[0])}`;
  const first = body.errors?.[0];
  if (c.expect.limit && first?.limit !== c.expect.limit) return `expected limit ${c.expect.limit}, got ${JSON.stringify(first)}`;
  if (c.expect.code && first?.code !== c.expect.code) return `expected ${c.expect.code}, got ${JSON.stringify(first)}`;
  return undefined;
}

async function timed(url, init) {
  const started = performance.now();
  const res = await fetch(url, init);
  const text = await res.text();
  return { ms: performance.now() - started, status: res.status, text };
}

export async function run({ quick = false, args = [] } = {}) {
  if (args.includes("--node-only"))
    return { name, rows: [], targets: [], markdown: "Skipped: this suite measures workerd only (`--node-only` was given)." };
  const plan = quick ? PLANS.quick : PLANS.full;
  const tmp = await mkdtemp(path.join(os.tmpdir(), "flowrunner-bench-validator-"));
  const prepared = await build(
    await prepare("flowrunner", path.join(root, "wrangler.toml"), path.join(tmp, "flowrunner"), { RATE_LIMIT_REQUESTS: "0" }),
  );
  await applyD1Migrations(prepared);
  const server = await startServer(prepared);
  const rows = [];
  const failures = [];
  try {
    const json = (body, auth) => ({
      method: "POST",
      headers: { "Content-Type": "application/json", ...(auth ? { Authorization: auth } : {}) },
      body: JSON.stringify(body),
    });
    const username = `bench${Date.now().toString(36)}`;
    await fetch(`${server.url}/api/v1/accounts`, json({ username, password: "bench password 0123" }));
    const login = await (await fetch(`${server.url}/api/v1/login`, json({ username, password: "bench password 0123" }))).json();
    const auth = `Bearer ${login.token}`;

    const measure = async (label, within, send, verify) => {
      for (let i = 0; i < plan.warmup; i++) await send();
      const times = [];
      for (let i = 0; i < plan.samples; i++) {
        const r = await send();
        const problem = verify(r);
        if (problem) {
          failures.push(`${label}: ${problem}`);
          break;
        }
        times.push(r.ms);
      }
      const s = stats(times);
      rows.push({ label, within, requests: times.length, p50: s.p50, max: s.max, bytes: send.bytes });
    };

    for (const c of CASES) {
      const content = c.flow();
      const send = () => timed(`${server.url}/api/v1/flows/validate`, json({ content }, auth));
      send.bytes = Buffer.byteLength(content);
      await measure(c.label, c.within, send, (r) =>
        r.status !== 200 ? `HTTP ${r.status}: ${r.text.slice(0, 200)}` : check(c, JSON.parse(r.text)),
      );
    }
    // A run input at the most nesting a 1 MiB body holds: refused on the text, unparsed.
    const flow = await (
      await fetch(
        `${server.url}/api/v1/flows`,
        json({ content: "metadata: {name: echo}\nnodes:\n  a: {type: transform, params: {script: 'return input'}}\n" }, auth),
      )
    ).json();
    const body = `{"input": ${deepJson(500_000)}}`;
    const send = () =>
      timed(`${server.url}/api/v1/flows/${flow.id}/run`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: auth },
        body,
      });
    send.bytes = body.length;
    await measure("run input nested 500,000 deep (1 MiB)", false, send, (r) =>
      r.status === 400 && JSON.parse(r.text).error.details.limit === "jsonDepth" ? undefined : `HTTP ${r.status}: ${r.text.slice(0, 200)}`,
    );
  } finally {
    await server.stop();
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }

  const targets = rows
    .filter((r) => r.requests > 0)
    .map((r) => ({ target: `validator: ${r.label}, median`, limit: TARGET_MS, unit: "ms", met: r.p50 <= TARGET_MS }));
  const fmt = (n) => (n === undefined ? "–" : n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const table = [
    "| case | budget | body | median ms | max ms | target |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.within ? "within" : "refused"} | ${(r.bytes / 1024).toFixed(0)} KiB | ${fmt(r.p50)} | ${fmt(r.max)} | ${r.requests === 0 ? "failed" : r.p50 <= TARGET_MS ? "met" : `**missed** (×${(r.p50 / TARGET_MS).toFixed(1)})`} |`,
    ),
  ];
  const markdown = [
    "`POST /api/v1/flows/validate` (and one run request) under `wrangler dev`, sent one at a time after",
    `${plan.warmup} warm-up requests, ${plan.samples} each; the time is the client's for the whole request`,
    '(HTTP, authentication, validation). "Within" cases are the largest documents the input budget',
    'allows; "refused" ones break a limit and show that refusing them costs little. Target: a median of',
    `at most ${TARGET_MS} ms for every case.`,
    "",
    ...table,
    "",
    "Why the largest flows miss the target: parsing is most of the time (about half of a 1,000-node",
    "validation in a V8 profile, plus building the document and its value), and the yaml package's",
    "generator-based lexer and parser cost 2–4 µs per token in workerd on this machine whatever the bytes",
    "hold. That is why flows are budgeted in tokens (50,000) as well as bytes, and why the refused",
    "floods that need a parse to be seen (aliases, tokens) cost what parsing up to their limit costs.",
    "Closing it needs a parser that does less per token (no generators, no CST kept for positions) or",
    "fewer tokens allowed: at about 12,000 tokens (≈300 typical nodes) every case here would be under",
    "50 ms. A stored flow is validated once per version and the result kept per isolate, so runs do not",
    "pay this again.",
  ].join("\n");
  return { name, rows, targets, failures, markdown, raw: { plan, rows } };
}

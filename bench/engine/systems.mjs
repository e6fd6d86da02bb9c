/* global AbortSignal, URLSearchParams */
/**
 * The three systems under test, each behind the same small interface:
 *   setup()          creates whatever a run needs (FlowRunner: account, API token, one flow per shape)
 *   run(shape)       one run, from the request that starts it to its result; resolves
 *                    { ok, ms, error? } and checks the run's output
 * Shapes are described once here; each system turns them into its own form.
 */

/**
 * Every shape: a chain of trivial steps, a chain with one sleep, a fan-out with a join, and a short
 * flow of the kind users run (see REALISTIC_KEY).
 */
export const SHAPES = {
  chain10: { label: "10-node chain", steps: 10, expect: 10 },
  chain100: { label: "100-node chain", steps: 100, expect: 100 },
  chain1000: { label: "1,000-node chain", steps: 1000, expect: 1000 },
  wait10: { label: "10 nodes, one of them a 1 s wait", steps: 10, waitMs: 1000, expect: 9 },
  fanout10: { label: "fan-out to 10 parallel branches + join", fanout: 10, expect: 21 },
  // FlowRunner only: 100 `condition` nodes that make no sandbox call, to separate the engine's
  // own cost per step from the sandbox's.
  noop100: { label: "100-node chain of no-op `condition` nodes (no sandbox call)", steps: 100, expect: 0, only: "flowrunner" },
  // An HTTP call to a loopback server, an increment in a key-value store, a branch on its result and a
  // transform of what came back: four steps that each do real work. `expect`: the echoed n (1) + the
  // amount added (1) + one for the branch taken + one for the transform.
  realistic: { label: "realistic: HTTP call, store increment, condition, transform", realistic: true, expect: 4 },
};

/** The key the realistic shape increments, in FlowRunner's store and in the stand-ins of the others. */
const REALISTIC_KEY = "bench-realistic";

/** The HTTP stand-in's route the realistic shape calls: it answers the request back, query included. */
const echoUrl = (httpBase) => {
  if (!httpBase) throw new Error("the realistic shape needs the URL of a loopback HTTP server (scripts/standins/http.mjs)");
  return `${httpBase}/echo/bench`;
};

const RUN_TIMEOUT_MS = 120_000;

export async function request(url, init = {}) {
  const started = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(RUN_TIMEOUT_MS) });
  const text = await response.text();
  const ms = performance.now() - started;
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { raw: text.slice(0, 300) };
  }
  return { status: response.status, body, ms };
}

/** Wraps a run so a network failure counts as an error rather than throwing. */
async function attempt(fn) {
  const started = performance.now();
  try {
    return await fn();
  } catch (error) {
    return { ok: false, ms: performance.now() - started, error: String(error?.cause?.message ?? error?.message ?? error) };
  }
}

const checkOutput = (shape, output) => output && typeof output === "object" && output.n === shape.expect;

// ---------------------------------------------------------------------------------------------
// FlowRunner

const TRIVIAL = `"return { n: input.n + 1 }"`;

/** `httpBase`: the loopback HTTP server the realistic shape calls (FlowRunner needs OUTBOUND_PRIVATE_NETWORK=allow). */
export function flowYaml(key, shape, { httpBase } = {}) {
  const lines = [`metadata: {name: bench ${key}, description: "npm run bench: ${shape.label}"}`, "nodes:"];
  const node = (id, type, params, next, action = "default") => {
    lines.push(`  ${id}:`, `    type: ${type}`, `    params: ${params}`);
    if (next) lines.push(`    next: {${action}: ${next}}`);
  };
  if (shape.realistic) {
    node("fetch", "http.request", `{url: "${echoUrl(httpBase)}", query_params: {n: "\${input.n + 1}"}}`, "count", "success");
    node("count", "store", `{operation: increment, key: ${REALISTIC_KEY}}`, "check");
    // Any other outcome ends the run on the condition, whose output then fails the check of `n`.
    node("check", "condition", `{conditions: [{condition: "input.new_value > 0", action: counted}]}`, "shape", "counted");
    node("shape", "transform", `{script: "return { n: Number(results.fetch.body.query.n) + results.count.incremented + 2 }"}`);
    return `${lines.join("\n")}\n`;
  }
  if (shape.fanout) {
    const branches = Array.from({ length: shape.fanout }, (_, i) => `b${i}`);
    node("split", "transform", `{script: ${TRIVIAL}}`, `[${branches.join(", ")}]`);
    for (const b of branches) node(b, "transform", `{script: ${TRIVIAL}}`, "join");
    node("join", "transform", `{script: "return { n: Object.values(input).reduce((s, b) => s + b.n, 0) + 1 }"}`);
    return `${lines.join("\n")}\n`;
  }
  const waitAt = shape.waitMs ? Math.floor(shape.steps / 2) : -1;
  for (let i = 0; i < shape.steps; i++) {
    const next = i < shape.steps - 1 ? `s${i + 1}` : undefined;
    if (i === waitAt) node(`s${i}`, "wait", `{type: duration, duration: ${shape.waitMs}ms}`, next);
    // `input.n` is a plain path: looked up on the host, no sandbox call; it is 0, so the default edge.
    else if (shape.only === "flowrunner") node(`s${i}`, "condition", `{conditions: [{condition: "input.n", action: stop}]}`, next);
    else node(`s${i}`, "transform", `{script: ${TRIVIAL}}`, next);
  }
  return `${lines.join("\n")}\n`;
}

export function flowRunner(server, { httpBase } = {}) {
  const base = server.url;
  let auth;
  const flows = {};
  const api = async (path, init = {}) => {
    const res = await request(`${base}${path}`, {
      ...init,
      headers: { "Content-Type": "application/json", ...(auth ? { Authorization: auth } : {}), ...(init.headers ?? {}) },
    });
    if (res.status >= 300)
      throw new Error(`FlowRunner ${init.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  };
  return {
    id: "flowrunner",
    name: "FlowRunner",
    server,
    pingPath: "/health",
    async setup(shapes) {
      const username = `bench${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const password = "bench password 0123";
      await api("/api/v1/accounts", { method: "POST", body: JSON.stringify({ username, password }) });
      const login = await api("/api/v1/login", { method: "POST", body: JSON.stringify({ username, password }) });
      auth = `Bearer ${login.token}`;
      // Runs authenticate with an API token, as an integration would.
      const token = await api("/api/v1/tokens", { method: "POST", body: JSON.stringify({ name: "bench" }) });
      auth = `Bearer ${token.token}`;
      for (const key of shapes) {
        const flow = await api("/api/v1/flows", {
          method: "POST",
          body: JSON.stringify({ name: `bench-${key}-${username}`, content: flowYaml(key, SHAPES[key], { httpBase }) }),
        });
        flows[key] = flow.id;
      }
    },
    /**
     * Starts a run without waiting for it; `done()` then waits for its result. `serverMs` is the
     * run's own created_at → finished_at.
     */
    start: (key) =>
      attempt(async () => {
        const shape = SHAPES[key];
        const res = await request(`${base}/api/v1/flows/${flows[key]}/run`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: auth },
          body: JSON.stringify({ input: { n: 0 } }),
        });
        if (res.status !== 201) return { ok: false, ms: res.ms, error: `HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}` };
        const id = res.body.id;
        const done = () =>
          attempt(async () => {
            const got = await request(`${base}/api/v1/executions/${id}?wait=60`, { headers: { Authorization: auth } });
            if (got.status !== 200 || got.body.status !== "completed")
              return {
                ok: false,
                ms: got.ms,
                error: `HTTP ${got.status}, status ${got.body.status}: ${JSON.stringify(got.body.error ?? got.body).slice(0, 200)}`,
              };
            if (!checkOutput(shape, got.body.output))
              return { ok: false, ms: got.ms, error: `unexpected output ${JSON.stringify(got.body.output)}` };
            return { ok: true, ms: got.ms, serverMs: Date.parse(got.body.finished_at) - Date.parse(got.body.created_at) };
          });
        return { ok: true, ms: res.ms, done };
      }),
    run: (key) =>
      attempt(async () => {
        const shape = SHAPES[key];
        const res = await request(`${base}/api/v1/flows/${flows[key]}/run?wait=60`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: auth },
          body: JSON.stringify({ input: { n: 0 } }),
        });
        if (res.status !== 201) return { ok: false, ms: res.ms, error: `HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}` };
        if (res.body.status !== "completed")
          return { ok: false, ms: res.ms, error: `status ${res.body.status}: ${JSON.stringify(res.body.error)}` };
        if (!checkOutput(shape, res.body.output))
          return { ok: false, ms: res.ms, error: `unexpected output ${JSON.stringify(res.body.output)}` };
        return { ok: true, ms: res.ms, id: res.body.id };
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The platform floor (bench/floor) and Cloudflare Workflows (bench/workflows)

function query(shape, httpBase) {
  const q = new URLSearchParams();
  if (shape.realistic) {
    q.set("http", echoUrl(httpBase));
    q.set("key", REALISTIC_KEY);
  }
  if (shape.steps) q.set("steps", String(shape.steps));
  if (shape.waitMs) q.set("wait_ms", String(shape.waitMs));
  if (shape.fanout) q.set("fanout", String(shape.fanout));
  return q;
}

export function floor(server, { httpBase } = {}) {
  return {
    id: "floor",
    name: "Floor",
    server,
    pingPath: "/",
    async setup() {
      const res = await request(`${server.url}/setup`, { method: "POST" });
      if (res.status !== 200) throw new Error(`floor setup: ${res.status} ${JSON.stringify(res.body)}`);
    },
    run: (key) =>
      attempt(async () => {
        const shape = SHAPES[key];
        const res = await request(`${server.url}/run?${query(shape, httpBase)}`, { method: "POST" });
        if (res.status !== 200) return { ok: false, ms: res.ms, error: `HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}` };
        if (!checkOutput(shape, res.body.output))
          return { ok: false, ms: res.ms, error: `unexpected output ${JSON.stringify(res.body.output)}` };
        return { ok: true, ms: res.ms };
      }),
  };
}

/**
 * `pollMs`: how often the worker asks the instance for its status. Locally, a status call made
 * while the instance runs steps waits until they are done, so polling adds little; before a sleep
 * can have ended there is nothing to ask, so the first poll comes after `wait_ms`.
 */
export function workflows(server, { pollMs = 2, httpBase } = {}) {
  return {
    id: "workflows",
    name: "Workflows",
    server,
    pingPath: "/",
    async setup() {},
    start: (key) =>
      attempt(async () => {
        const shape = SHAPES[key];
        const res = await request(`${server.url}/start?${query(shape, httpBase)}`, { method: "POST" });
        if (res.status !== 200) return { ok: false, ms: res.ms, error: `HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}` };
        const q = new URLSearchParams({ id: res.body.id, poll_ms: String(pollMs), first_poll_ms: String(shape.waitMs ?? pollMs) });
        const done = () =>
          attempt(async () => {
            const got = await request(`${server.url}/wait?${q}`);
            if (got.status !== 200)
              return { ok: false, ms: got.ms, error: `HTTP ${got.status}: ${JSON.stringify(got.body).slice(0, 200)}` };
            if (!checkOutput(shape, got.body.output))
              return { ok: false, ms: got.ms, error: `unexpected output ${JSON.stringify(got.body.output)}` };
            return { ok: true, ms: got.ms };
          });
        return { ok: true, ms: res.ms, done };
      }),
    run: (key) =>
      attempt(async () => {
        const shape = SHAPES[key];
        const q = query(shape, httpBase);
        q.set("poll_ms", String(pollMs));
        if (shape.waitMs) q.set("first_poll_ms", String(shape.waitMs));
        const res = await request(`${server.url}/run?${q}`, { method: "POST" });
        if (res.status !== 200) return { ok: false, ms: res.ms, error: `HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}` };
        if (!checkOutput(shape, res.body.output))
          return { ok: false, ms: res.ms, error: `unexpected output ${JSON.stringify(res.body.output)}` };
        return { ok: true, ms: res.ms, inWorkerMs: res.body.create_to_complete_ms };
      }),
  };
}

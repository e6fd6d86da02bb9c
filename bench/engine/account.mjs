/**
 * A FlowRunner API client for suites that need an account of their own: sign up, an API token, flows,
 * runs. Every call answers `{status, body, ms}` and throws on a status of 300 or more.
 */
import path from "node:path";
import { applyD1Migrations, build, prepare, root, startServer } from "./servers.mjs";
import { stats } from "./load.mjs";
import { request } from "./systems.mjs";

export function apiClient(base) {
  let auth;
  const api = async (path, init = {}) => {
    const res = await request(`${base}${path}`, {
      ...init,
      headers: { "Content-Type": "application/json", ...(auth ? { Authorization: auth } : {}), ...(init.headers ?? {}) },
    });
    if (res.status >= 300) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res;
  };
  return {
    api,
    /** A new account; later calls authenticate with an API token, as an integration would. */
    async signUp() {
      const username = `bench${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
      const password = "bench password 0123";
      await api("/api/v1/accounts", { method: "POST", body: JSON.stringify({ username, password }) });
      auth = `Bearer ${(await api("/api/v1/login", { method: "POST", body: JSON.stringify({ username, password }) })).body.token}`;
      auth = `Bearer ${(await api("/api/v1/tokens", { method: "POST", body: JSON.stringify({ name: "bench" }) })).body.token}`;
    },
    auth: () => auth,
    /** Saves a flow; answers the saved flow. */
    saveFlow: async (content) => (await api("/api/v1/flows", { method: "POST", body: JSON.stringify({ content }) })).body,
    /** One run, waited for; its time is the whole API call. */
    run: async (flowId, input) => {
      const res = await api(`/api/v1/flows/${flowId}/run?wait=60`, { method: "POST", body: JSON.stringify({ input }) });
      if (res.body.status !== "completed") throw new Error(`run ${res.body.id} ${res.body.status}: ${JSON.stringify(res.body.error)}`);
      return res;
    },
  };
}

/**
 * FlowRunner under `wrangler dev`, served from `dir` with `vars` over its own (and no rate limit), with
 * a new account: resolves `{server, fr}`. Stop the server when done.
 */
export async function flowRunnerWithAccount(dir, vars = {}, log = () => {}) {
  const prepared = await prepare("flowrunner", path.join(root, "wrangler.toml"), dir, { RATE_LIMIT_REQUESTS: "0", ...vars });
  await Promise.all([applyD1Migrations(prepared), build(prepared)]);
  const server = await startServer(prepared);
  log("flowrunner ready");
  const fr = apiClient(server.url);
  try {
    await fr.signUp();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { server, fr };
}

/**
 * Times runs of several flows (`ids`: kind → flow id), `runs` each after two warm-up runs, one run at
 * a time, the kinds taking turns (in reverse every other round); answers stats per kind.
 */
export async function timeInTurns(fr, ids, runs, input = { n: 0 }) {
  const samples = Object.fromEntries(Object.keys(ids).map((kind) => [kind, []]));
  const kinds = Object.keys(samples);
  for (let i = 0; i < 2; i++) for (const kind of kinds) await fr.run(ids[kind], input);
  for (let i = 0; i < runs; i++) {
    for (const kind of i % 2 ? [...kinds].reverse() : kinds) samples[kind].push((await fr.run(ids[kind], input)).ms);
  }
  return Object.fromEntries(kinds.map((kind) => [kind, stats(samples[kind])]));
}

/* global WebSocket -- Node 22's built-in client */
/**
 * Starting and stopping the benchmarked workers under `wrangler dev`, and reading what they cost.
 *
 * Each system is first bundled (see build()) into a private temporary directory, then served from
 * there with `no_bundle`, its own port, inspector port and `--persist-to`. So the
 * bench measures one snapshot of the code, and edits other people make in the repository meanwhile
 * cannot make `wrangler dev` reload a worker in the middle of a measurement.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { clearInterval, setInterval } from "node:timers";
import { fileURLToPath } from "node:url";
import { freePort } from "../../scripts/free-port.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };

/** Every process group this module started, so an interrupted bench leaves nothing behind. */
const groups = new Set();
function killGroups() {
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  groups.clear();
}
process.on("exit", killGroups);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    killGroups();
    process.exit(130);
  });
}

export { freePort };

/** Runs wrangler to completion; rejects with its output on a non-zero exit. */
function wrangler(args, { cwd, input, timeoutMs = 180_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd, env: ENV, stdio: ["pipe", "pipe", "pipe"], detached: true });
    groups.add(child.pid);
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.stdin.end(input ?? "");
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      groups.delete(child.pid);
      if (code === 0) resolve(output);
      else reject(new Error(`wrangler ${args.slice(0, 2).join(" ")} exited with ${code}:\n${output.split("\n").slice(-30).join("\n")}`));
    });
  });
}

/**
 * Writes a config that serves the worker's bundle (see build()) as is, from `dir`.
 * `configPath` is the worker's own wrangler.toml; `vars` override its [vars].
 */
export async function prepare(name, configPath, dir, vars = {}) {
  const { experimental_readRawConfig } = await import("wrangler");
  const configDir = path.dirname(configPath);
  const { rawConfig } = experimental_readRawConfig({ config: configPath });
  await mkdir(dir, { recursive: true });
  const config = {
    ...rawConfig,
    main: "dist/index.js",
    no_bundle: true,
    // build() turns CompiledWasm imports into `./<name>.wasm` modules beside the bundle.
    rules: [{ type: "CompiledWasm", globs: ["**/*.wasm"], fallthrough: true }],
    // A local server on development secrets: production mode (FLOWRUNNER_ENV) would refuse to serve.
    vars: { ...(rawConfig.vars ?? {}), FLOWRUNNER_ENV: "development", ...vars },
    ...(rawConfig.d1_databases
      ? {
          d1_databases: rawConfig.d1_databases.map((db) => ({
            ...db,
            ...(db.migrations_dir ? { migrations_dir: path.resolve(configDir, db.migrations_dir) } : {}),
          })),
        }
      : {}),
  };
  // The dashboard's files stay where `npm run build` put them; the assets router in front of the API is
  // part of what a deployed request pays.
  if (rawConfig.assets?.directory) config.assets = { ...rawConfig.assets, directory: path.resolve(configDir, rawConfig.assets.directory) };
  delete config.triggers; // no cron during a benchmark
  const file = path.join(dir, "wrangler.json");
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
  return { name, dir, config: file, source: configPath };
}

/**
 * The bundle the prepared config serves, built with esbuild the way wrangler builds a module worker
 * (same conditions, target, keep_names, NODE_ENV, `cloudflare:*` external; CompiledWasm imports become
 * separate `.wasm` modules), in-process: a `wrangler deploy --dry-run` per worker would start three
 * more wrangler processes, which on this machine costs more than the whole quick bench.
 */
export async function build(prepared) {
  const esbuild = await import("esbuild");
  const configDir = path.dirname(prepared.source);
  const { experimental_readRawConfig } = await import("wrangler");
  const { rawConfig } = experimental_readRawConfig({ config: prepared.source });
  const wasmSpecifiers = new Set((rawConfig.rules ?? []).filter((r) => r.type === "CompiledWasm").flatMap((r) => r.globs));
  const dist = path.join(prepared.dir, "dist");
  await mkdir(dist, { recursive: true });
  const require = createRequire(path.join(configDir, "package.json"));
  const wasm = {
    name: "compiled-wasm",
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (!wasmSpecifiers.has(args.path) && !args.path.endsWith(".wasm")) return undefined;
        const file = wasmSpecifiers.has(args.path) ? require.resolve(args.path) : path.resolve(args.resolveDir, args.path);
        const name = `${path.basename(file).replace(/\.wasm$/, "")}-${createHash("sha1").update(file).digest("hex").slice(0, 8)}.wasm`;
        await copyFile(file, path.join(dist, name));
        return { path: `./${name}`, external: true };
      });
    },
  };
  await esbuild.build({
    entryPoints: [path.resolve(configDir, rawConfig.main)],
    outfile: path.join(dist, "index.js"),
    absWorkingDir: configDir,
    bundle: true,
    format: "esm",
    target: "es2024",
    supported: { "import-source": true, using: true },
    keepNames: rawConfig.keep_names ?? true,
    conditions: ["workerd", "worker", "browser"],
    define: {
      "process.env.NODE_ENV": '"production"',
      "global.process.env.NODE_ENV": '"production"',
      "globalThis.process.env.NODE_ENV": '"production"',
    },
    external: ["cloudflare:*"],
    logLevel: "warning",
    plugins: [wasm],
  });
  return prepared;
}

export async function applyD1Migrations(prepared, binding = "DB") {
  await wrangler(
    ["d1", "migrations", "apply", binding, "--local", "--persist-to", path.join(prepared.dir, "state"), "-c", prepared.config],
    {
      cwd: prepared.dir,
      input: "y\n",
    },
  );
}

/**
 * `wrangler dev` on a free loopback port. Resolves once it says "Ready on"; rejects if it exits or
 * is not ready within `timeoutMs`. `alongside` are configs of more workers served by the same
 * `wrangler dev` (reachable through service bindings only).
 */
export async function startServer(prepared, { timeoutMs = 120_000, alongside = [] } = {}) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const state = path.join(prepared.dir, "state");
  const args = [
    "dev",
    "-c",
    prepared.config,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
    ...alongside.flatMap((config) => ["-c", config]),
  ];
  // Read now, not at import: a suite may trust a local CA (scripts/standins/local-ca.mjs) before it starts a server.
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: prepared.dir,
    env: extraCa ? { ...ENV, NODE_EXTRA_CA_CERTS: extraCa } : ENV,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  groups.add(child.pid);
  let log = "";
  const onData = (chunk) => {
    log += chunk;
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (/Ready on http/.test(log)) {
        clearInterval(timer);
        resolve();
      } else if (performance.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`${prepared.name}: wrangler dev was not ready after ${timeoutMs / 1000} s:\n${tail(log)}`));
      }
    }, 100);
    exited.then(({ code, signal }) => {
      clearInterval(timer);
      reject(new Error(`${prepared.name}: wrangler dev exited (${code ?? signal}) before it was ready:\n${tail(log)}`));
    });
  });
  const server = {
    name: prepared.name,
    url: `http://127.0.0.1:${port}`,
    port,
    inspectorPort,
    pid: child.pid,
    stateDir: state,
    startupMs: performance.now() - started,
    log: () => log,
    /** Reloads since start: a reload in the middle of a measurement would spoil it. */
    reloads: () => (log.match(/Reloading local server/g) ?? []).length,
    workerdPids: () => descendants(child.pid).filter((pid) => commandOf(pid).includes("workerd")),
    async stop() {
      groups.delete(child.pid);
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    },
  };
  return server;
}

const tail = (text) =>
  text
    .split("\n")
    .filter((l) => !/getaddrinfo|GetAddrInfo|callbackTrampoline|Request\.cf/.test(l))
    .slice(-25)
    .join("\n");
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function descendants(pid) {
  const out = [];
  for (const child of children(pid)) out.push(child, ...descendants(child));
  return out;
}

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system, all threads) and resident memory of a set of processes, from /proc. */
export function processUsage(pids) {
  let cpuTicks = 0;
  let rssKiB = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpuTicks += Number(fields[11]) + Number(fields[12]); // utime, stime
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      rssKiB += Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
    } catch {
      // The process ended.
    }
  }
  return { cpuSeconds: cpuTicks / TICKS_PER_SECOND, rssMiB: rssKiB / 1024 };
}

/** The SQLite databases under `dir` (objects' storage), without miniflare's metadata files. */
export function sqliteFiles(dir) {
  const out = new Set();
  if (!existsSync(dir)) return out;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".sqlite") && entry.name !== "metadata.sqlite") out.add(file);
    }
  };
  walk(dir);
  return out;
}

/**
 * The size of the databases that appeared since `before` (a run's new object), WAL included: a
 * database's pages stay in its -wal file until the object closes.
 */
export function newSqliteBytes(dir, before) {
  const size = (f) => (existsSync(f) ? statSync(f).size : 0);
  const added = [...sqliteFiles(dir)].filter((f) => !before.has(f));
  return added.length
    ? { files: added.map((f) => path.basename(f)), bytes: added.reduce((sum, f) => sum + size(f) + size(`${f}-wal`), 0) }
    : null;
}

/**
 * A DevTools-protocol client for `wrangler dev`'s inspector: the isolate's heap usage and CPU
 * profiles. wrangler's inspector proxy takes one client at a time and wants a local Origin.
 */
export async function inspector(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Origin: "http://localhost" } });
  let next = 0;
  const pending = new Map();
  ws.onmessage = (message) => {
    const data = JSON.parse(String(message.data));
    const waiter = data.id === undefined ? undefined : pending.get(data.id);
    // wrangler's proxy answers some methods (e.g. Profiler.enable) by echoing the request: any
    // message with the id counts as the answer.
    if (waiter) {
      pending.delete(data.id);
      waiter(data);
    }
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot connect to the inspector on port ${port}`));
  });
  const send = (method, params = {}, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`inspector: ${method} timed out`));
      }, timeoutMs);
      pending.set(id, (data) => {
        clearTimeout(timer);
        if (data.error) reject(new Error(`inspector: ${method}: ${data.error.message}`));
        else resolve(data.result);
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    send,
    heapUsedBytes: async () => (await send("Runtime.getHeapUsage")).usedSize,
    close: () => ws.close(),
  };
}

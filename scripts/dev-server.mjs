// A FlowRunner of its own under `wrangler dev`: its own state directory, migrations applied, on a
// free loopback port. What the CLI and browser tests (test/cli/global-setup.ts) and `npm run examples`
// run against.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");
// Read when a server starts, so what a caller set before (NODE_EXTRA_CA_CERTS) reaches workerd. FlowRunner
// reads nothing from Request.cf, which wrangler dev would otherwise fetch from Cloudflare.
const wranglerEnv = () => ({
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  CI: "1",
  NO_COLOR: "1",
});

/** Runs wrangler to its end; rejects with its output when it fails. */
function exec(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, ...args], { cwd: root, env: wranglerEnv(), stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d.toString()));
    child.stderr.on("data", (d) => (output += d.toString()));
    child.stdin.end(input ?? "");
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(undefined) : reject(new Error(`wrangler ${args.join(" ")} exited with ${code}:\n${output}`)),
    );
  });
}

/** Stops wrangler and the workerd it started (its own process group). */
function stop(child) {
  if (child.pid === undefined || child.exitCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
  return exited.then(() => undefined);
}

/**
 * Applies the D1 migrations to `persistTo`, then starts `wrangler dev` there on a free port of
 * 127.0.0.1 (or `port`) and resolves once it answers. Flows may call loopback servers (as under `npm start`).
 * `onStart` gets the child process as soon as it is spawned, so a caller can stop a start it gave up on.
 * @param {{ persistTo: string, port?: number, timeoutMs?: number, onStart?: (child: import("node:child_process").ChildProcess) => void }} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startDevServer({ persistTo, port: wanted, timeoutMs = 120_000, onStart }) {
  await exec(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], "y\n");
  const [port, inspector] = [wanted ?? (await freePort()), await freePort()];
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", persistTo];
  // Development mode: the development secrets are fine here, which production mode would refuse.
  args.push(
    "--show-interactive-dev-session=false",
    "--test-scheduled",
    "--var",
    "OUTBOUND_PRIVATE_NETWORK:allow",
    "--var",
    "FLOWRUNNER_ENV:development",
  );
  const child = spawn(process.execPath, [wrangler, ...args], {
    cwd: root,
    env: wranglerEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  onStart?.(child);
  await new Promise((resolve, reject) => {
    let log = "";
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not get ready in ${timeoutMs} ms:\n${log}`)), timeoutMs);
    // Keep reading after it is ready, so the pipes never fill up.
    const onData = (chunk) => {
      if (ready) return;
      log += chunk.toString();
      if (/Ready on /.test(log)) {
        ready = true;
        clearTimeout(timer);
        resolve(undefined);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`wrangler dev exited with ${code}:\n${log}`));
    });
  }).catch(async (error) => {
    await stop(child);
    throw error;
  });
  return { url: `http://127.0.0.1:${port}`, close: () => stop(child) };
}

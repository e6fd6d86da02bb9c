// Starts FlowRunner locally on the embedded D1 database: applies any pending
// migrations, then runs `wrangler dev`. Extra arguments go to wrangler dev.
import { spawnSync, spawn } from "node:child_process";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const wrangler = (args, options = {}) => spawnSync("wrangler", args, { stdio: "inherit", env, ...options });

const migrate = wrangler(["d1", "migrations", "apply", "DB", "--local"], { input: "y\n", stdio: ["pipe", "inherit", "inherit"] });
if (migrate.status !== 0) {
  console.error("Applying D1 migrations failed; see the output above.");
  process.exit(migrate.status ?? 1);
}

// Local development: flows may call services on this machine (a deployed Worker refuses private addresses).
const dev = spawn("wrangler", ["dev", "--var", "OUTBOUND_PRIVATE_NETWORK:allow", ...process.argv.slice(2)], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

// Starts FlowRunner locally on the embedded D1 database: applies any pending
// migrations, then runs `wrangler dev`. Extra arguments go to wrangler dev, except:
//   --standins            also start every local stand-in (scripts/standins/) and print their URLs
//   --standins=mcp,...    only those named
import { spawnSync, spawn } from "node:child_process";
import { trustLocalCa } from "./standins/local-ca.mjs";
import { startStandins } from "./standins/index.mjs";

// FlowRunner reads nothing from `Request.cf`; left on, wrangler dev fetches it from Cloudflare at start
// and, offline, prints a warning with a DNS stack trace. Setting CLOUDFLARE_CF_FETCH_ENABLED yourself wins.
const env = { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env, WRANGLER_SEND_METRICS: "false" };
const wrangler = (args, options = {}) => spawnSync("wrangler", args, { stdio: "inherit", env, ...options });

const dashboard = spawnSync(process.execPath, ["scripts/build-dashboard.mjs", "--if-stale"], { stdio: "inherit", env });
if (dashboard.status !== 0) {
  console.error("Building the dashboard failed; see the output above.");
  process.exit(dashboard.status ?? 1);
}

const migrate = wrangler(["d1", "migrations", "apply", "DB", "--local"], { input: "y\n", stdio: ["pipe", "inherit", "inherit"] });
if (migrate.status !== 0) {
  console.error("Applying D1 migrations failed; see the output above.");
  process.exit(migrate.status ?? 1);
}

const args = process.argv.slice(2);
const flag = args.find((arg) => arg === "--standins" || arg.startsWith("--standins="));
let standins;
if (flag) {
  args.splice(args.indexOf(flag), 1);
  const names = flag.includes("=")
    ? flag
        .slice(flag.indexOf("=") + 1)
        .split(",")
        .filter(Boolean)
    : [];
  // The SMTP stand-in's TLS listeners use the local CA: wrangler dev's workerd must trust it.
  if (names.length === 0 || names.includes("smtp")) {
    trustLocalCa();
    env.NODE_EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
  }
  standins = await startStandins(names, { fixedPorts: true });
  for (const line of standins.descriptions) console.log(`Stand-in ${line}`);
}

// Local development: flows may call services on this machine (a deployed Worker refuses private addresses).
// Schedules fire through Durable Object alarms, which run locally; the Worker's minute cron is only their
// backstop, so --test-scheduled (which lets /cdn-cgi/local/scheduled fire it by hand) replaces wrangler's
// warning that cron triggers do not fire by themselves under wrangler dev.
const devArgs = ["dev", "--test-scheduled", "--var", "OUTBOUND_PRIVATE_NETWORK:allow", "--var", "FLOWRUNNER_ENV:development", ...args];
const dev = spawn("wrangler", devArgs, { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", async (code) => {
  await standins?.close();
  process.exit(code ?? 0);
});

// Starts FlowRunner locally on the embedded D1 database: applies any pending
// migrations, then runs `wrangler dev`. Extra arguments go to wrangler dev, except:
//   --standins   also start the local stand-ins for paid APIs (an OpenAI-compatible server on
//                127.0.0.1:8790, or STANDIN_OPENAI_PORT) and print their URLs.
import { spawnSync, spawn } from "node:child_process";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const wrangler = (args, options = {}) => spawnSync("wrangler", args, { stdio: "inherit", env, ...options });

const migrate = wrangler(["d1", "migrations", "apply", "DB", "--local"], { input: "y\n", stdio: ["pipe", "inherit", "inherit"] });
if (migrate.status !== 0) {
  console.error("Applying D1 migrations failed; see the output above.");
  process.exit(migrate.status ?? 1);
}

const args = process.argv.slice(2);
const standins = [];
if (args.includes("--standins")) {
  args.splice(args.indexOf("--standins"), 1);
  const { startOpenAIStandin } = await import("./standins/openai.mjs");
  const openai = await startOpenAIStandin({ port: Number(process.env.STANDIN_OPENAI_PORT ?? 8790) });
  standins.push(openai);
  console.log(`OpenAI-compatible stand-in: base_url ${openai.url}, api_key ${openai.apiKey} (docs/ai.md#local-stand-in)`);
}

// Local development: flows may call services on this machine (a deployed Worker refuses private addresses).
const dev = spawn("wrangler", ["dev", "--var", "OUTBOUND_PRIVATE_NETWORK:allow", ...args], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", async (code) => {
  await Promise.all(standins.map((s) => s.close()));
  process.exit(code ?? 0);
});

/**
 * The "deploy" suite of `npm run bench` (see scripts/bench.mjs for the suite contract): the size of
 * the bundle `wrangler deploy` would upload, built from the real wrangler.toml by the deploy check
 * (scripts/deploy-check.mjs), against Workers' limit for the Free plan (3 MiB compressed).
 */
import { deployCheck, SIZE_LIMITS } from "../../scripts/deploy-check.mjs";

export const name = "Deploy: the Worker's bundle";

const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;

export async function run() {
  const report = deployCheck({ plan: "free" });
  const rows = report.modules.map((module) => ({ module: module.name, bytes: module.bytes, gzip: module.gzip }));
  rows.push({ module: "total", bytes: report.size.bytes, gzip: report.size.gzip });
  const allowed = report.codegen.filter((site) => site.allowed);
  const markdown = [
    "What `wrangler deploy` uploads, from the real `wrangler.toml` (`npm run deploy:check`, which CI runs);",
    "compressed with gzip -9, as Workers count it against the plan's limit.",
    "",
    "| module | size | compressed |",
    "|---|---:|---:|",
    ...rows.map((row) => `| ${row.module} | ${kib(row.bytes)} | ${kib(row.gzip)} |`),
    "",
    `Limit: ${kib(SIZE_LIMITS.free)} compressed on the Free plan, ${kib(SIZE_LIMITS.paid)} on Paid. ` +
      `Code generation in the bundle: ${report.codegen.length - allowed.length} sites that could run; ` +
      `${allowed.length} that never run on Workers (${[...new Set(allowed.map((site) => site.module.replace("node_modules/", "")))].join(", ")}). ` +
      `Node.js built-ins imported: ${report.builtins.length}.`,
    ...(report.problems.length > 0 ? ["", ...report.problems.map((problem) => `- **${problem}**`)] : []),
  ].join("\n");
  return {
    name,
    rows,
    markdown,
    targets: [
      {
        target: "bundle, compressed (Free plan limit)",
        limit: SIZE_LIMITS.free / 1024,
        unit: "KiB",
        value: report.size.gzip / 1024,
        met: report.size.gzip <= SIZE_LIMITS.free,
      },
    ],
    failures: report.problems,
    raw: report,
  };
}

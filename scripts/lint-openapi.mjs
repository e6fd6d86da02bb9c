// Lints the API document the way generated clients need it:
//   node scripts/lint-openapi.mjs [URL or file]     (default http://localhost:8787/api/v1/openapi.json)
// Runs `redocly lint` (redocly.yaml: the recommended rules) and checks that every operation has a
// camelCase operationId, unique in the document, a summary, tags, and its own `security` (public
// operations say `security: []`), so a route added without them fails. Prints each problem and exits 1
// if there is any.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const OPERATION_ID = /^[a-z][a-zA-Z0-9]*$/;

/**
 * What the recommended rules ask that cannot be true of an operation here: liveness and readiness
 * probes answer no client error, and a WebSocket's success is `101 Switching Protocols`, not a 2xx.
 * @type {{ rule: string, applies: (operation: Operation) => boolean }[]}
 */
const EXCEPTIONS = [
  { rule: "operation-4xx-response", applies: (operation) => operation.tags?.includes("Health") ?? false },
  { rule: "operation-2xx-response", applies: (operation) => Object.keys(operation.responses ?? {}).includes("101") },
];

/** @typedef {{ operationId?: string, summary?: string, tags?: string[], security?: unknown[], responses?: Record<string, unknown> }} Operation */

/** @param {Record<string, unknown>} document @returns {{ pointer: string, where: string, operation: Operation }[]} */
function operationsOf(document) {
  const paths = /** @type {Record<string, Record<string, Operation>>} */ (document.paths ?? {});
  return Object.entries(paths).flatMap(([route, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      pointer: `#/paths/${route.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}`,
      where: `${method.toUpperCase()} ${route}`,
      operation: /** @type {Operation} */ (item[method]),
    })),
  );
}

/** The problems of a document: redocly's, then the operation checks. @param {Record<string, unknown>} document @returns {string[]} */
export function lintDocument(document) {
  const operations = operationsOf(document);
  const dir = mkdtempSync(path.join(tmpdir(), "flowrunner-openapi-"));
  try {
    const file = path.join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(document));
    const redocly = path.join(root, "node_modules/@redocly/cli/bin/cli.js");
    const run = spawnSync(process.execPath, [redocly, "lint", file, "--format=json", `--config=${path.join(root, "redocly.yaml")}`], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    });
    const start = run.stdout.indexOf("{");
    if (start < 0) return [`redocly lint gave no report (exit ${run.status}): ${run.stderr}`];
    /** @type {{ problems: { ruleId: string, severity: string, message: string, location: { pointer: string }[] }[] }} */
    const report = JSON.parse(run.stdout.slice(start));
    const problems = report.problems
      .filter((problem) => {
        const pointer = problem.location[0]?.pointer ?? "";
        const owner = operations.find((o) => pointer === o.pointer || pointer.startsWith(`${o.pointer}/`));
        return !EXCEPTIONS.some((e) => e.rule === problem.ruleId && owner && e.applies(owner.operation));
      })
      .map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message} (${problem.location[0]?.pointer ?? "document"})`);
    return [...problems, ...checkOperations(operations)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {{ where: string, operation: Operation }[]} operations @returns {string[]} */
function checkOperations(operations) {
  const problems = [];
  const seen = new Map();
  for (const { where, operation } of operations) {
    const id = operation.operationId;
    if (!id) problems.push(`${where}: no operationId`);
    else if (!OPERATION_ID.test(id)) problems.push(`${where}: operationId ${id} is not camelCase`);
    else if (seen.has(id)) problems.push(`${where}: operationId ${id} is also ${seen.get(id)}'s`);
    if (id) seen.set(id, where);
    if (!operation.summary) problems.push(`${where}: no summary`);
    if (!operation.tags?.length) problems.push(`${where}: no tags`);
    if (!Array.isArray(operation.security)) problems.push(`${where}: no security of its own (public operations declare security: [])`);
  }
  return problems;
}

/** @param {string} source */
async function load(source) {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    return response.json();
  }
  return JSON.parse(readFileSync(source, "utf8"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const source = process.argv[2] ?? "http://localhost:8787/api/v1/openapi.json";
  const document = await load(source);
  const problems = lintDocument(document);
  for (const problem of problems) console.log(problem);
  const count = operationsOf(document).length;
  if (problems.length > 0) {
    console.log(`${source}: ${problems.length} problem(s) in ${count} operations`);
    process.exit(1);
  }
  console.log(`${source}: ${count} operations, lint clean`);
}

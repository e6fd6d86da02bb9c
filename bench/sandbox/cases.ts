/**
 * The workloads measured by the sandbox benchmark, shared by the Node and the workerd runs so both
 * measure exactly the same thing.
 */
import { evaluateTemplates, type TemplateScope } from "../../src/expressions";
import { compileTemplate } from "../../src/expressions/compile";
import { lookupPath } from "../../src/expressions/path";
import type { JsonValue } from "../../src/lib/json";
import type { Sandbox, SandboxPool } from "../../src/sandbox";

export const input: JsonValue = {
  id: "ord_42",
  customer: { name: "Ada", email: "ada@example.com" },
  lines: [
    { sku: "a", price: 12.5, qty: 2 },
    { sku: "b", price: 3, qty: 1 },
    { sku: "c", price: 7.25, qty: 4 },
    { sku: "d", price: 1, qty: 10 },
    { sku: "e", price: 99, qty: 1 },
  ],
};

export const scope: TemplateScope = {
  input,
  shared: { runs: 3 },
  results: { fetch: { status: 200, body: { "x-y": "z", items: [{ id: "i1" }] } } },
  params: {},
  secrets: { API_KEY: "sk-live-0123456789" },
  execution: { id: "ex_1", flow_id: "orders", account_id: "acc_1", started_at: "2026-01-01T00:00:00Z" },
};

/** The transform from the design document's example flow. */
export const SNIPPET = "return { id: input.id, total: input.lines.reduce((s, l) => s + l.price * l.qty, 0) }";
export const EXPRESSION = "input.lines.filter((l) => l.qty > 1).length";
export const FAST_PATH = "${results.fetch.body.items[0].id}";
export const PARAMS: JsonValue = {
  url: "https://api.example.com/orders/${input.id}?customer=${input.customer.email}",
  headers: { Authorization: "Bearer ${secrets.API_KEY}", "X-Run": "${execution.id}" },
  body: "${input.lines}",
};

export type CaseName = "noop" | "snippet" | "snippetAccount" | "expression" | "expressionAccount" | "fastPath" | "fastPathCore" | "params";

/** Run one case `n` times; resolves when done. Results are checked once so a broken case cannot look fast. */
export async function runCase(pool: SandboxPool, name: CaseName, n: number): Promise<void> {
  // The `…Account` cases run as a run's nodes do: in the account's shared context, once it has one.
  const sandbox: Sandbox = name.endsWith("Account") ? pool.forAccount("acc_bench") : pool;
  switch (name) {
    case "noop":
      return;
    case "snippetAccount":
    case "snippet":
      for (let i = 0; i < n; i++) {
        const r = await sandbox.runScript(SNIPPET, scope);
        if (i === 0 && !(r.ok && (r.value as { total: number }).total === 166)) throw new Error(`snippet: ${JSON.stringify(r)}`);
      }
      return;
    case "expression":
    case "expressionAccount":
      for (let i = 0; i < n; i++) {
        const r = await sandbox.evalExpression(EXPRESSION, scope);
        if (i === 0 && !(r.ok && r.value === 3)) throw new Error(`expression: ${JSON.stringify(r)}`);
      }
      return;
    case "fastPath":
      for (let i = 0; i < n; i++) {
        const r = await evaluateTemplates(FAST_PATH, scope, { sandbox });
        if (i === 0 && !(r.ok && r.value === "i1")) throw new Error(`fastPath: ${JSON.stringify(r)}`);
      }
      return;
    case "fastPathCore": {
      // The synchronous core: cached parse plus host lookup, without the async template walk.
      let last: unknown;
      for (let i = 0; i < n; i++) {
        const compiled = compileTemplate(FAST_PATH);
        if (compiled.kind === "typed" && compiled.expr.path) last = lookupPath(compiled.expr.path, scope);
      }
      if (n > 0 && (last as { value?: unknown } | undefined)?.value !== "i1") throw new Error("fastPathCore");
      return;
    }
    case "params":
      for (let i = 0; i < n; i++) {
        const r = await evaluateTemplates(PARAMS, scope, { sandbox, nodeId: "fetch" });
        if (i === 0 && !r.ok) throw new Error(`params: ${JSON.stringify(r)}`);
      }
      return;
  }
}

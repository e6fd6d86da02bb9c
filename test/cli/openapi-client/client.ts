/**
 * A client of the FlowRunner API built only from its OpenAPI document: `api.d.ts` beside this file
 * is generated from the served document by openapi-typescript (test/cli/openapi.test.ts), and
 * openapi-fetch makes the calls. It is type-checked against those types, then run:
 *   node client.ts <base URL> <username>
 * and prints what it saw as one JSON object.
 */
import createClient from "openapi-fetch";
import type { paths } from "./api.d.ts";

const [baseUrl, username] = process.argv.slice(2) as [string, string];
const api = createClient<paths>({ baseUrl });

function ok<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.data === undefined) throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  return result.data;
}

const health = ok(await api.GET("/health"), "getHealth");
const password = "correct horse battery";
const account = ok(await api.POST("/api/v1/accounts", { body: { username, password } }), "signUp");
const login = ok(await api.POST("/api/v1/login", { body: { username, password } }), "login");
const headers = { Authorization: `Bearer ${login.token}` };

const content =
  "metadata: {name: Greeter}\nnodes:\n  greet: {type: transform, params: {script: \"return { greeting: 'hello ' + input.name }\"}}\n";
const flow = ok(await api.POST("/api/v1/flows", { headers, body: { content } }), "createFlow");
const run = ok(
  await api.POST("/api/v1/flows/{id}/run", {
    headers,
    params: { path: { id: flow.id }, query: { wait: 10 } },
    body: { input: { name: "client" } },
  }),
  "runFlow",
);
const execution = ok(await api.GET("/api/v1/executions/{id}", { headers, params: { path: { id: run.execution_id } } }), "getExecution");
const steps = ok(
  await api.GET("/api/v1/executions/{id}/steps", { headers, params: { path: { id: run.execution_id } } }),
  "listExecutionSteps",
);
const executions = ok(await api.GET("/api/v1/executions", { headers, params: { query: { flow_id: flow.id } } }), "listExecutions");

// An error answers with the documented envelope.
const missing = await api.GET("/api/v1/flows/{id}", { headers, params: { path: { id: "flw_doesnotexist" } } });

// The generated types know the API: a path that is not in the document does not compile.
// @ts-expect-error -- no such path
void api.GET("/api/v1/no-such-path");

console.log(
  JSON.stringify({
    health: health.status,
    account: account.username,
    flow: { name: flow.name, version: flow.version },
    run: { status: run.status, output: run.output },
    execution: { id: execution.id, status: execution.status, flow_id: execution.flow_id },
    steps: steps.steps.map((step) => [step.node_id, step.status]),
    executions: executions.executions.map((summary) => summary.id),
    missing: { status: missing.response.status, code: missing.error?.error.code },
  }),
);

// `npm run examples`: stores and runs every flow in examples/ that can run on this machine, against a
// FlowRunner of its own (wrangler dev, scripts/dev-server.mjs) and the local stand-ins the flows call
// (scripts/standins/: the loopback HTTP API, an OpenAI-compatible model, an MCP server). Prints one
// line per example — ok, FAIL or skip, and why — and exits 1 if any example that ran did not end as
// it should. Each run takes the input documented in the example's own "Run input:" comment, with
// the addresses of services pointed at the stand-ins.
//
//   npm run examples [-- name ...]      only the examples whose file names start with one of the names
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AwsClient } from "aws4fetch";
import { startDevServer } from "./dev-server.mjs";
import { startDynamoLocal } from "./dynamodb-local.mjs";
import { trustLocalCa } from "./standins/local-ca.mjs";
import { STANDIN_MCP_TOKEN } from "./standins/mcp.mjs";
import { ordersTableDefinition } from "./standins/dynamodb-orders.mjs";
import { dovecotInstalled, IMAP_PASSWORD, startImapServer } from "./standins/imap.mjs";
import { DEFAULT_API_KEY } from "./standins/openai.mjs";
import { SMTP_PASSWORD, SMTP_USER } from "./standins/smtp.mjs";
import { startStandins } from "./standins/index.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const examplesDir = path.join(root, "examples");

/** What cannot run here, and why. */
const SKIPPED = {
  "postgres-upsert.yaml": "needs a PostgreSQL database (secret DATABASE_URL)",
  "subflow-child.yaml": "runs as part of subflow-parent.yaml",
  "agent-order-status.yaml": "a sub-flow that agent-support.yaml's agent calls as a tool",
};

/**
 * How each runnable example is run, beyond its documented input: `input` is merged over it (the
 * stand-ins' addresses), `expect` is the status it should end with, `then` what to do after.
 * @typedef {{ http: string, openai: string, mcp: string, dynamodb: string, flowId: (name: string) => string | undefined }} Context
 * @type {Record<string, { input?: (ctx: Context) => Record<string, unknown>, replaceInput?: (ctx: Context) => Record<string, unknown>, event?: { name: string, data: unknown }, webhook?: boolean, mail?: boolean, imap?: string, secrets?: Record<string, string | { type: string, data: unknown }> }>}
 */
const HOW = {
  "http-transform.yaml": { input: ({ http }) => ({ base: http }) },
  "parallel-join.yaml": { input: ({ http }) => ({ base: http }) },
  "retry-error-edge.yaml": { input: ({ http }) => ({ base: http, key: `shipment-${randomUUID()}` }) },
  "scheduled-digest.yaml": { replaceInput: ({ http }) => ({ base: `${http}/echo`, status: "open", limit: 5 }) },
  "mcp-tools.yaml": { input: ({ mcp }) => ({ mcp_url: `${mcp}/auth/mcp` }) },
  "approval.yaml": { event: { name: "approval", data: { approved: true, by: "npm run examples" } } },
  "subflow-parent.yaml": {
    input: ({ flowId }) => ({
      pricing_flow: flowId("subflow-child.yaml"),
      order: { id: "o-3", lines: [{ sku: "A", qty: 2, price: 19.5 }] },
    }),
  },
  "webhook-github.yaml": { webhook: true },
  // A table of DynamoDB's local stand-in (dynalite), made for the run; any key pair signs for it.
  "dynamodb-orders.yaml": {
    secrets: { AWS: { type: "aws", data: { access_key_id: "AKIAEXAMPLE0000001", secret_access_key: "example-aws-secret-key" } } },
    replaceInput: ({ dynamodb }) => ({
      endpoint: dynamodb,
      table: ORDERS_TABLE,
      customer: "c-1",
      order_id: "o-001",
      total: 5,
      lines: [{ sku: "tea", qty: 2 }],
    }),
  },
  "email-inbound.yaml": { mail: true },
  // Each reads a seeded mailbox of the IMAP stand-in.
  "email-processor.yaml": { imap: "processor", secrets: { IMAP_USERNAME: "processor" } },
  "email-new-messages.yaml": { imap: "poller", secrets: { IMAP_USERNAME: "poller" } },
};

const ORDERS_TABLE = "orders";

/** The table dynamodb-orders.yaml writes to (partition key customer, sort key order_id). */
async function createOrdersTable(endpoint) {
  const aws = new AwsClient({ accessKeyId: "local", secretAccessKey: "local", region: "us-east-1", service: "dynamodb" });
  const response = await aws.fetch(endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.CreateTable" },
    body: JSON.stringify(ordersTableDefinition(ORDERS_TABLE)),
  });
  if (!response.ok) throw new Error(`creating the DynamoDB table failed: ${response.status} ${await response.text()}`);
}

/** The flows an example needs saved before it runs. */
const NEEDS = { "subflow-parent.yaml": ["subflow-child.yaml"], "agent-support.yaml": ["agent-order-status.yaml"] };

/** The JSON after "# Run input:" in an example's header comment, or {}. */
function documentedInput(source) {
  const match = /^# Run input[^\n]*:[ \t]*(\{.*\})?\n((?:# {3}.*\n)*)/m.exec(source);
  if (!match) return {};
  // Elisions ("[...]", ", ...") stand for more of the same: the rest is the input.
  const text = (match[1] ?? match[2].replace(/^#\s*/gm, ""))
    .replaceAll(/,\s*\.\.\./g, "")
    .replaceAll("[...]", "[]")
    .replaceAll("{...}", "{}");
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

class Api {
  constructor(base) {
    this.base = base;
    this.token = undefined;
  }
  async call(method, route, body, contentType = "application/json") {
    const headers = {
      ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
      ...(body === undefined ? {} : { "Content-Type": contentType }),
    };
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const response = await fetch(`${this.base}${route}`, { method, headers, body: payload });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok)
      throw new Error(`${method} ${route}: ${response.status} ${json?.error?.code ?? ""} ${json?.error?.message ?? text}`.trim());
    return json;
  }
}

/** Polls an execution (for up to 30 s) until its status satisfies `done`; resolves with it then. */
async function waitUntil(api, id, done) {
  for (let i = 0; i < 120; i++) {
    const execution = await api.call("GET", `/api/v1/executions/${id}`);
    if (done(execution.status)) return execution;
    await new Promise((r) => setTimeout(r, 250));
  }
  return api.call("GET", `/api/v1/executions/${id}`);
}

const waitUntilFinal = (api, id) => waitUntil(api, id, (status) => !["running", "waiting"].includes(status));

/** Runs one example; resolves with the execution it ended with. */
async function runExample(api, ctx, name, source) {
  const how = HOW[name] ?? {};
  for (const [key, value] of Object.entries(how.secrets ?? {}))
    await api.call("PUT", `/api/v1/accounts/me/secrets/${key}`, typeof value === "string" ? { value } : value);
  const flow = await api.call("POST", "/api/v1/flows", source, "application/yaml");
  ctx.saved.set(name, flow.id);
  if (how.webhook) return callGithubWebhook(api, flow);
  if (how.mail) return sendMail(api, flow);
  const input = how.replaceInput ? how.replaceInput(ctx) : { ...documentedInput(source), ...(how.input?.(ctx) ?? {}) };
  const execution = await api.call("POST", `/api/v1/flows/${flow.id}/run?wait=${how.event ? 0 : 30}`, { input });
  if (how.event) {
    // Sent once the run waits: an event that arrives earlier is kept for it anyway.
    await waitUntil(api, execution.id, (status) => status !== "running");
    await api.call("POST", `/api/v1/executions/${execution.id}/events/${how.event.name}`, how.event.data);
  }
  return waitUntilFinal(api, execution.id);
}

/** webhook-github.yaml: a push delivered to its webhook URL, signed as GitHub signs it. */
async function callGithubWebhook(api, flow) {
  const secret = `whsec-${randomUUID()}`;
  await api.call("PUT", "/api/v1/accounts/me/secrets/GITHUB_WEBHOOK_SECRET", { value: secret });
  const trigger = flow.triggers.find((t) => t.type === "webhook");
  const body = JSON.stringify({
    ref: "refs/heads/main",
    repository: { full_name: "acme/shop" },
    commits: [{ id: "c1", message: "Fix the cart" }],
    pusher: { name: "ada" },
  });
  const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  const response = await fetch(new URL(new URL(trigger.url).pathname, api.base), {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-GitHub-Event": "push",
      "X-GitHub-Delivery": randomUUID(),
      "X-Hub-Signature-256": signature,
    },
    body,
  });
  // The flow answers GitHub at once and works after; its run is found among the flow's executions.
  if (response.status !== 202) throw new Error(`the webhook answered ${response.status} ${await response.text()}`);
  const { executions } = await api.call("GET", `/api/v1/executions?flow_id=${flow.id}`);
  if (executions.length !== 1) throw new Error(`the webhook started ${executions.length} runs`);
  return waitUntilFinal(api, executions[0].id);
}

/** email-inbound.yaml: a message to its address, handed to the Worker as Email Routing would. */
async function sendMail(api, flow) {
  const message = [
    "From: Ada <ada@example.com>",
    "To: hello@example.com",
    "Subject: Hello there",
    `Message-ID: <${randomUUID()}@example.com>`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Is anybody there?",
    "",
  ].join("\r\n");
  const response = await fetch(`${api.base}/cdn-cgi/local/email?from=ada@example.com&to=hello@example.com`, {
    method: "POST",
    body: message,
  });
  if (!response.ok) throw new Error(`the Worker refused the mail: ${response.status} ${await response.text()}`);
  const { executions } = await waitFor(
    () => api.call("GET", `/api/v1/executions?flow_id=${flow.id}`),
    (page) => page.executions.length > 0,
  );
  return waitUntilFinal(api, executions[0].id);
}

/** Calls `read` (every 250 ms, for up to 30 s) until `done` holds of its answer. */
async function waitFor(read, done) {
  for (let i = 0; i < 120; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  return read();
}

async function main() {
  const only = process.argv.slice(2);
  const names = readdirSync(examplesDir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .filter((file) => only.length === 0 || only.some((prefix) => file.startsWith(prefix)));
  const state = mkdtempSync(path.join(tmpdir(), "flowrunner-examples-"));
  // The SMTP stand-in speaks STARTTLS with a certificate of the local CA, which workerd must trust.
  trustLocalCa();
  const standins = await startStandins(["http", "openai", "mcp", "smtp"]);
  // dovecot, when installed: seeded mailboxes for the examples that read mail.
  const imap = dovecotInstalled() ? await startImapServer() : undefined;
  const dynamodb = await startDynamoLocal();
  await createOrdersTable(dynamodb.endpoint);
  let server;
  try {
    console.log("Starting FlowRunner (wrangler dev) and the stand-ins...");
    server = await startDevServer({ persistTo: state });
    const api = new Api(server.url);
    const username = `examples-${Date.now().toString(36)}`;
    const password = randomUUID();
    await api.call("POST", "/api/v1/accounts", { username, password });
    api.token = (await api.call("POST", "/api/v1/login", { username, password })).token;
    const secrets = {
      OPENAI_API_KEY: DEFAULT_API_KEY,
      OPENAI_BASE_URL: standins.urls.openai,
      MCP_TOKEN: STANDIN_MCP_TOKEN,
      MCP_URL: `${standins.urls.mcp}/auth/mcp`,
      SEARCH_API_URL: `${standins.urls.http}/echo/search`,
      MAIL_API_URL: `${standins.urls.http}/echo/mail`,
      ORDERS_API_URL: `${standins.urls.http}/echo/orders`,
      REFUNDS_API_URL: `${standins.urls.http}/echo/refunds`,
      REFUNDS_API_TOKEN: "refunds-token",
    };
    const smtp = await (await fetch(standins.urls.smtp)).json();
    Object.assign(secrets, { SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.ports.starttls), SMTP_USERNAME: SMTP_USER, SMTP_PASSWORD });
    if (imap) Object.assign(secrets, { IMAP_HOST: "127.0.0.1", IMAP_PORT: String(imap.ports.starttls), IMAP_PASSWORD });
    for (const [key, value] of Object.entries(secrets)) await api.call("PUT", `/api/v1/accounts/me/secrets/${key}`, { value });
    console.log(`FlowRunner at ${server.url}; ${standins.descriptions.join("; ")}\n`);

    const ctx = { ...standins.urls, dynamodb: dynamodb.endpoint, saved: new Map(), flowId: (name) => ctx.saved.get(name) };
    const width = Math.max(...names.map((n) => n.length));
    let failures = 0;
    for (const name of names) {
      const label = name.padEnd(width);
      const skipped =
        SKIPPED[name] ?? (HOW[name]?.imap && !imap ? "needs an IMAP server: install dovecot (docs/email.md#local-imap-server)" : undefined);
      if (skipped) {
        console.log(`skip  ${label}  ${skipped}`);
        continue;
      }
      const started = Date.now();
      try {
        for (const needed of NEEDS[name] ?? [])
          if (!ctx.saved.has(needed))
            ctx.saved.set(
              needed,
              (await api.call("POST", "/api/v1/flows", readFileSync(path.join(examplesDir, needed), "utf8"), "application/yaml")).id,
            );
        const execution = await runExample(api, ctx, name, readFileSync(path.join(examplesDir, name), "utf8"));
        const took = `${Date.now() - started} ms`;
        if (execution.status === "completed") console.log(`ok    ${label}  completed, ${execution.step_count} steps, ${took}`);
        else {
          failures++;
          console.log(
            `FAIL  ${label}  ${execution.status}: ${execution.error ? `${execution.error.code}: ${execution.error.message}` : "no error recorded"}`,
          );
        }
      } catch (error) {
        failures++;
        console.log(`FAIL  ${label}  ${error.message}`);
      }
    }
    console.log(failures === 0 ? "\nEvery runnable example completed." : `\n${failures} example(s) failed.`);
    return failures === 0 ? 0 : 1;
  } finally {
    await server?.close();
    await standins.close();
    await imap?.close();
    await dynamodb.close();
    rmSync(state, { recursive: true, force: true });
  }
}

process.exit(await main());

/** Every node type: realistic params accepted, wrong ones rejected with the right code and message. */
import { describe, expect, it } from "vitest";
import { getNodeType, NODE_TYPES } from "../../../src/flow";
import { expectValid, singleNode } from "./helpers";

type Params = Record<string, unknown>;
interface Case {
  good: Params[];
  /** [params, code, message of the first error] */
  bad: [Params, string, string][];
}

const llmBase = { api_key: "${secrets.OPENAI_API_KEY}", model: "gpt-4.1-mini" };
const smtp = { smtp_host: "smtp.example.com", username: "bot", password: "${secrets.SMTP_PASSWORD}" };

const CASES: Record<string, Case> = {
  "http.request": {
    good: [
      {
        url: "https://api.example.com/orders",
        method: "POST",
        headers: { "X-Count": 3 },
        body: { a: [1, 2] },
        timeout: "5s",
        auth: { token: "${secrets.T}" },
      },
      {
        url: "https://x",
        form_data: { a: "b" },
        auth: { api_key: "k", key_name: "X-Key" },
        follow_redirects: false,
        query_params: { page: 2 },
      },
    ],
    bad: [
      [
        { url: "https://x", method: "FETCH" },
        "invalid_param",
        `node 'n' param 'method': must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, got "FETCH"`,
      ],
      [
        { url: "https://x", body: "a", form_data: { a: 1 } },
        "invalid_param",
        "node 'n' (http.request): use either 'body' or 'form_data', not both",
      ],
      [
        { url: "https://x", headers: { A: { nested: 1 } } },
        "invalid_param",
        "node 'n' param 'headers.A': expected a string, a number or true/false, got mapping",
      ],
    ],
  },
  transform: {
    good: [{ script: "return { id: input.id, at: `${execution.id}` };" }],
    bad: [
      [{ script: "" }, "invalid_param", "node 'n' param 'script': must not be empty"],
      [
        { script: "return 1", mapping: { a: "b" } },
        "unknown_param",
        "node 'n' (transform) has unknown param 'mapping' (expected one of: script)",
      ],
    ],
  },
  condition: {
    good: [
      { condition_script: "return input.score > 50 ? 'high' : 'low';" },
      { conditions: [{ condition: "input.x > 1", action: "big" }], default_action: "small" },
    ],
    bad: [
      [{}, "missing_param", "node 'n' (condition): needs 'condition_script' or 'conditions'"],
      [
        { condition_script: "return 1", conditions: [{ condition: "true", action: "a" }] },
        "invalid_param",
        "node 'n' (condition): use either 'condition_script' or 'conditions', not both",
      ],
      [{ conditions: [{ condition: "true" }] }, "missing_param", "node 'n' (condition) is missing required param 'conditions[0].action'"],
    ],
  },
  delay: {
    good: [{ duration: "1h30m" }, { duration: 2.5 }],
    bad: [
      [
        { duration: "tomorrow" },
        "invalid_duration",
        `node 'n' param 'duration': "tomorrow" is not a duration (use e.g. "250ms", "30s", "5m", "1h30m" or a number of seconds)`,
      ],
    ],
  },
  wait: {
    good: [
      { duration: "100ms" },
      { type: "until_time", time: "2030-01-31T09:00:00Z" },
      { type: "event", event: "approved", timeout: "2d" },
    ],
    bad: [
      [
        { type: "until_time", time: "next monday" },
        "invalid_param",
        `node 'n' param 'time': "next monday" is not an RFC 3339 timestamp with a time zone, e.g. "2025-01-31T09:00:00Z"`,
      ],
      [{ type: "event" }, "missing_param", "node 'n' (wait): type 'event' needs param 'event'"],
      [{ duration: "1s", timeout: "5s" }, "invalid_param", "node 'n' (wait): 'timeout' only applies to type: event"],
    ],
  },
  store: {
    good: [
      { operation: "set", key: "orders/${input.id}", value: "${input}", ttl: "1d" },
      { operation: "query", filter: { status: { $eq: "open" } }, sort: "-created", limit: 10 },
      { operation: "increment", key: "count", amount: 2 },
    ],
    bad: [
      [{ operation: "get" }, "missing_param", "node 'n' (store): operation 'get' needs param 'key'"],
      [
        { operation: "save" },
        "invalid_param",
        `node 'n' param 'operation': must be one of get, set, delete, list, query, increment, append, got "save"`,
      ],
      [
        { operation: "list", file_path: "/tmp/x" },
        "unknown_param",
        "node 'n' (store) has unknown param 'file_path' (expected one of: operation, key, value, ttl, prefix, filter, sort, limit, amount, namespace, cursor, if_version, with_version)",
      ],
    ],
  },
  llm: {
    good: [
      { ...llmBase, provider: "openai", temperature: 0.2, max_tokens: 400, messages: [{ role: "user", content: "${input.q}" }] },
      {
        ...llmBase,
        prompt: "Summarise ${input.text}",
        response_format: { type: "json_object" },
        stop: ["\n\n"],
        options: { base_url: "https://llm.example.com/v1" },
      },
      { ...llmBase, templates: [{ role: "user", template: "Hi {{.name}}" }], context: { name: "Ada" } },
    ],
    bad: [
      [{ model: "m", prompt: "x" }, "missing_param", "node 'n' (llm) is missing required param 'api_key'"],
      [{ ...llmBase, temperature: 3 }, "invalid_param", "node 'n' param 'temperature': must be <= 2, got 3"],
      [
        { ...llmBase, tools: [{ type: "function", function: { description: "no name" } }] },
        "missing_param",
        "node 'n' (llm) is missing required param 'tools[0].function.name'",
      ],
    ],
  },
  agent: {
    good: [
      {
        ...llmBase,
        prompt: "Plan the trip",
        max_steps: 5,
        tools: [
          { flow: "Weather" },
          { name: "book", http: { method: "POST", url: "https://api.example.com/bookings" } },
          { mcp: { url: "https://mcp.example.com/mcp" }, include: ["search"] },
          { builtin: "current_time" },
        ],
        require_approval: ["book"],
        memory: { key: "trip" },
      },
    ],
    bad: [
      [{ ...llmBase }, "missing_param", "node 'n' (agent) is missing required param 'prompt'"],
      [
        { ...llmBase, prompt: "x", tools: [{ name: "x" }] },
        "invalid_param",
        "node 'n' (agent): tools[0] says neither flow, http, mcp nor builtin: a tool needs one of them to run",
      ],
      [
        { ...llmBase, prompt: "x", tools: [{ builtin: "current_time" }], require_approval: ["book"] },
        "invalid_param",
        "node 'n' (agent): require_approval names 'book', which is not one of the agent's tools",
      ],
      [{ ...llmBase, prompt: "x", max_steps: 0 }, "invalid_param", "node 'n' param 'max_steps': must be >= 1, got 0"],
    ],
  },
  rag: {
    good: [
      {
        operation: "ingest",
        collection: "handbook",
        documents: [{ id: "leave", text: "# Leave\nTwenty days a year.", metadata: { lang: "en" } }],
        chunk_size: 200,
        chunk_unit: "tokens",
        api_key: "${secrets.OPENAI_API_KEY}",
        dimensions: 256,
      },
      { operation: "ingest", collection: "c", documents: "${input.docs}", api_key: "${secrets.OPENAI_API_KEY}" },
      { operation: "query", collection: "c", question: "refund policy", mode: "keyword", k: 3, filter: { lang: { $eq: "en" } } },
      { ...llmBase, operation: "answer", collection: "c", question: "${input.q}", mode: "hybrid", min_score: 0.2 },
      { operation: "delete", collection: "c", store: "pgvector", connection_string: "${secrets.DATABASE_URL}", document_id: "leave" },
      { operation: "stats", collection: "c", store: "vectorize" },
    ],
    bad: [
      [
        { operation: "query", collection: "c", question: "q" },
        "missing_param",
        "node 'n' (rag): a vector or hybrid query needs param 'api_key' to embed the question",
      ],
      [{ ...llmBase, operation: "answer", collection: "c" }, "missing_param", "node 'n' (rag): operation 'answer' needs param 'question'"],
      [{ operation: "delete", collection: "c" }, "missing_param", "node 'n' (rag): delete needs either 'document_id' or 'filter'"],
      [
        { operation: "stats", collection: "c", store: "pgvector" },
        "missing_param",
        "node 'n' (rag): store 'pgvector' needs 'connection_string' or 'connection'",
      ],
      [
        { operation: "ingest", collection: "c", documents: { id: "a", text: "x" }, api_key: "k", chunk_size: 100, chunk_overlap: 100 },
        "invalid_param",
        "node 'n' (rag): chunk_overlap must be less than chunk_size",
      ],
      [{ operation: "stats", collection: "c", k: 101 }, "invalid_param", "node 'n' param 'k': must be <= 100, got 101"],
    ],
  },
  "email.send": {
    good: [
      {
        ...smtp,
        smtp_port: 465,
        to: ["a@example.com", "b@example.com"],
        subject: "Hi",
        body: "text",
        attachments: [{ filename: "a.txt", content: "aGk=" }],
      },
      { provider: "resend", api_key: "${secrets.RESEND}", from: "bot@example.com", to: "a@example.com", subject: "Hi", html: "<b>hi</b>" },
    ],
    bad: [
      [{ to: "a@example.com", subject: "Hi" }, "missing_param", "node 'n' (email.send): provider 'smtp' needs param 'smtp_host'"],
      [
        { ...smtp, to: "a@example.com", subject: "Hi", body: "b", smtp_port: 70000 },
        "invalid_param",
        "node 'n' param 'smtp_port': must be <= 65535, got 70000",
      ],
      [
        { provider: "mailgun", api_key: "k", from: "a@b.c", to: "x@y.z", subject: "s" },
        "missing_param",
        "node 'n' (email.send): provider 'mailgun' needs param 'domain'",
      ],
      [{ ...smtp, to: "a@example.com", subject: "Hi" }, "missing_param", "node 'n' (email.send): email.send needs body, html or both"],
      [
        { ...smtp, smtp_security: "none", to: "a@example.com", subject: "Hi", body: "b" },
        "invalid_param",
        "node 'n' (email.send): credentials are only sent over TLS: use smtp_security starttls or tls, or leave out username and password",
      ],
      [
        { smtp_host: "h", username: "u", to: "a@example.com", subject: "Hi", body: "b" },
        "missing_param",
        "node 'n' (email.send): username and password go together",
      ],
      [
        { smtp_host: "h", base_url: "https://relay.example", from: "a@b.c", to: "a@example.com", subject: "Hi", body: "b" },
        "invalid_param",
        "node 'n' (email.send): base_url is for the relay providers (resend, sendgrid, mailgun, postmark, ses), not smtp",
      ],
      [
        { provider: "cloudflare", to: "a@example.com", subject: "Hi", body: "b" },
        "missing_param",
        "node 'n' (email.send): provider 'cloudflare' needs param 'from'",
      ],
    ],
  },
  "email.receive": {
    good: [
      {
        imap_host: "imap.example.com",
        username: "u",
        password: "p",
        folder: "INBOX",
        since: "2025-01-01T00:00:00Z",
        unseen: true,
        limit: 5,
        body_preview: 200,
      },
    ],
    bad: [
      [{ imap_host: "imap.example.com", username: "u" }, "missing_param", "node 'n' (email.receive) is missing required param 'password'"],
      [{ imap_host: "h", username: "u", password: "p", limit: 0 }, "invalid_param", "node 'n' param 'limit': must be >= 1, got 0"],
    ],
  },
  webhook: {
    good: [{ url: "https://hooks.example.com/x", body: { event: "done" }, secret: "${secrets.HOOK}", event: "order.synced", timeout: 10 }],
    bad: [[{ body: {} }, "missing_param", "node 'n' (webhook) is missing required param 'url'"]],
  },
  respond: {
    good: [
      {},
      { status: 201, headers: { "Content-Type": "text/xml", "X-Count": 3, Location: "/orders/${input.id}" }, body: "<ok/>" },
      { status: "${input.code}", body: { accepted: true } },
    ],
    bad: [
      [{ status: 101 }, "invalid_param", "node 'n' param 'status': must be >= 200, got 101"],
      [
        { headers: { "Set-Cookie": "session=1" } },
        "invalid_param",
        "node 'n' param 'headers.Set-Cookie': 'Set-Cookie' cannot be set by a respond node",
      ],
      [
        { headers: { "Access-Control-Allow-Origin": "*" } },
        "invalid_param",
        "node 'n' param 'headers.Access-Control-Allow-Origin': 'Access-Control-Allow-Origin' cannot be set by a respond node",
      ],
      [
        { headers: { "X-Split": "a\r\nInjected: 1" } },
        "invalid_param",
        "node 'n' param 'headers.X-Split': header values cannot hold CR, LF or NUL",
      ],
    ],
  },
  dynamodb: {
    good: [
      {
        operation: "get",
        key: "a",
        table_name: "flows",
        region: "eu-west-1",
        access_key: "${secrets.AWS_KEY}",
        secret_key: "${secrets.AWS_SECRET}",
      },
      { operation: "batch_write", items: [{ key: "a", value: 1 }] },
      { operation: "get_item", table_name: "orders", key: { pk: "a", sk: 1 }, credentials: "AWS" },
      {
        operation: "transact_write",
        transact_items: [
          { put: { id: "a" }, table_name: "t" },
          { update: { id: "b" }, update_expression: "SET n = :n", expression_attribute_values: { ":n": 1 } },
        ],
      },
    ],
    bad: [
      [
        { operation: "put", table: "x", item: {} },
        "invalid_param",
        `node 'n' param 'operation': must be one of get, set, delete, list, query, batch_write, get_item, put_item, delete_item, update_item, query_items, scan, batch_get, batch_write_items, transact_write, got "put"`,
      ],
      [{ operation: "batch_write" }, "missing_param", "node 'n' (dynamodb): operation 'batch_write' needs param 'items'"],
      [
        { operation: "query_items", table_name: "t" },
        "missing_param",
        "node 'n' (dynamodb): operation 'query_items' needs param 'key_condition_expression'",
      ],
    ],
  },
  postgres: {
    good: [
      {
        operation: "execute",
        connection_string: "${secrets.DATABASE_URL}",
        query: "select * from orders where id = $1",
        args: ["${input.id}"],
      },
      { operation: "transaction", host: "db", port: 5432, user: "u", password: "p", dbname: "d", statements: [{ query: "delete from t" }] },
    ],
    bad: [
      [{ operation: "execute" }, "missing_param", "node 'n' (postgres): operation 'execute' needs param 'query'"],
      [
        { operation: "transaction", statements: [{ sql: "x" }] },
        "missing_param",
        "node 'n' (postgres) is missing required param 'statements[0].query'",
      ],
    ],
  },
  cron: {
    good: [
      { schedule: "*/15 9-17 * * MON-FRI", flow_id: "report", payload: { kind: "daily" } },
      { operation: "schedule", schedule: "@hourly" },
      { operation: "delete", id: "sched-1" },
    ],
    bad: [
      [
        { schedule: "* * *" },
        "invalid_cron",
        `node 'n' param 'schedule': invalid cron expression "* * *": expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got 3`,
      ],
      [{ operation: "get" }, "missing_param", "node 'n' (cron): operation 'get' needs param 'id'"],
    ],
  },
  mcp: {
    good: [
      { operation: "executeTool", url: "https://mcp.example.com/mcp", toolName: "search", toolParameters: { q: "x" }, timeout: "500ms" },
      { operation: "readResource", connectionType: "sse", url: "https://mcp.example.com/sse", resourceUri: "file:///a" },
    ],
    bad: [
      [
        { operation: "executeTool", connectionType: "cmd", command: "npx", url: "x", toolName: "t" },
        "invalid_param",
        "node 'n' param 'connectionType': must be http or sse (stdio servers, connectionType cmd, cannot run on Workers)",
      ],
      [{ operation: "getPrompt", url: "https://x" }, "missing_param", "node 'n' (mcp): operation 'getPrompt' needs param 'promptName'"],
    ],
  },
  flow: {
    good: [
      { flow_id: "child-flow", input: { order: "${input}" }, version: 3, wait: false },
      { flow_id: "child-flow", version: "12" },
    ],
    bad: [
      [{ input: {} }, "missing_param", "node 'n' (flow) is missing required param 'flow_id'"],
      // Versions are the registry's numbers (1, 2, ...), not metadata.version strings.
      [{ flow_id: "x", version: "1.2.0" }, "invalid_param", "node 'n' param 'version': must be a version number"],
      [
        { flow_id: "x", wait: "yes" },
        "invalid_param",
        `node 'n' param 'wait': expected true/false or a "\${...}" template, got string "yes"`,
      ],
    ],
  },
};

describe("node type registry", () => {
  it("declares every node type of the design, plus sub-flows and webhook answers", () => {
    expect([...NODE_TYPES].sort()).toEqual(
      [
        "http.request",
        "transform",
        "condition",
        "delay",
        "wait",
        "store",
        "llm",
        "agent",
        "rag",
        "email.send",
        "email.receive",
        "webhook",
        "respond",
        "dynamodb",
        "postgres",
        "cron",
        "mcp",
        "flow",
      ].sort(),
    );
    expect(Object.keys(CASES).sort()).toEqual([...NODE_TYPES].sort());
  });

  it("describes each type with params and actions", () => {
    for (const type of NODE_TYPES) {
      const spec = getNodeType(type)!;
      expect(spec.type).toBe(type);
      expect(spec.description.length).toBeGreaterThan(20);
      expect(spec.paramNames.length).toBeGreaterThan(0);
      expect(spec.actions).toContain(spec.dynamicActions ? "true" : "default");
    }
    expect(getNodeType("http.request")!.actions).toEqual(["success", "client_error", "server_error", "default", "error"]);
    expect(getNodeType("condition")!.dynamicActions).toBe(true);
    expect(getNodeType("transform")!.scriptParams).toEqual(["script"]);
    expect(getNodeType("nope")).toBeUndefined();
  });

  it("exposes zod schemas that check resolved params directly", () => {
    const spec = getNodeType("store")!;
    expect(spec.params.safeParse({ operation: "set", key: "k", value: 1 }).success).toBe(true);
    // Cross-param rules are part of the schema too.
    expect(spec.params.safeParse({ operation: "set", key: "k" }).success).toBe(false);
  });
});

describe.each(Object.entries(CASES))("%s", (type, { good, bad }) => {
  it.each(good.map((params, i) => [i, params] as const))("accepts example %i", (_i, params) => {
    expectValid(singleNode(type, params));
  });

  it.each(bad.map(([params, code, message]) => [message, params, code] as const))("rejects: %s", (message, params, code) => {
    const result = singleNode(type, params);
    expect(result.valid).toBe(false);
    expect(result.errors[0]).toMatchObject({ code, message });
  });
});

describe("templates in typed params", () => {
  it.each([
    [
      "http.request",
      {
        url: "https://x",
        timeout: "${input.timeout}",
        follow_redirects: "${input.follow}",
        headers: "${input.headers}",
        method: "${input.method}",
      },
    ],
    ["http.request", { url: "https://x", auth: "${secrets.AUTH}", query_params: "${input.query}" }],
    ["llm", { ...llmBase, temperature: "${input.t}", max_tokens: "${input.n}", messages: "${shared.history}", tools: "${input.tools}" }],
    // A string with a format (a URL) takes a template too.
    ["llm", { ...llmBase, provider: "local", base_url: "${secrets.LLM_URL}", timeout: "${input.timeout}", stream: "${input.live}" }],
    [
      "email.send",
      {
        ...smtp,
        smtp_port: "${secrets.SMTP_PORT}",
        to: "${input.recipients}",
        subject: "s",
        body: "${input.text}",
        attachments: "${input.files}",
      },
    ],
    ["store", { operation: "${input.op}", limit: "${input.limit}" }],
    ["condition", { conditions: "${input.rules}", default_action: "none" }],
    ["wait", { type: "until_time", time: "${input.resume_at}" }],
    ["cron", { schedule: "${input.cron}" }],
    ["postgres", { operation: "execute", query: "select 1", port: "${secrets.PG_PORT}", args: "${input.args}" }],
  ])("%s accepts templates in place of typed values", (type, params) => {
    expectValid(singleNode(type, params));
  });

  it("needs a real template: a plain string is still the wrong type", () => {
    const result = singleNode("http.request", { url: "https://x", follow_redirects: "input.follow" });
    expect(result.errors.map((e) => e.message)).toEqual([
      `node 'n' param 'follow_redirects': expected true/false or a "\${...}" template, got string "input.follow"`,
    ]);
  });

  it("cross-param rules wait for templated selectors", () => {
    expectValid(singleNode("store", { operation: "${input.op}" }));
    expectValid(singleNode("wait", { type: "${input.kind}", timeout: "5s" }));
  });
});

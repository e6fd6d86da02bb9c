// An HTTP plugin for FlowRunner: a tiny ticket service that speaks the plugin protocol
// (docs/plugins.md, "HTTP plugins"). It is also the `plugins` local stand-in
// (`npm start -- --standins=plugins`), and the tests run flows against it.
//
//   GET  /tickets                 the manifest (POST /api/v1/plugins {kind: "http", url} fetches it)
//   POST /tickets                 a node call: {type, params, input, execution}, signed the Standard
//                                 Webhooks way with the plugin's secret; answers {output, action} or {error}
//   POST /tickets/secret          {secret}: the whsec_ secret FlowRunner showed when the plugin was added
//   GET  /tickets/received        the calls it accepted (newest last)
//
// `?tenant=<t>` on every path keeps the secrets and logs of separate users (or tests) apart;
// `?v=<label>` is echoed as `served_by`, so two versions of the plugin can point at the same server.
// Run it alone: `node examples/plugins/tickets-http-plugin.mjs [port]` prints its URL.
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { Webhook } from "standardwebhooks";

export function ticketsManifest(name = "tickets") {
  return {
    name,
    version: "1.0.0",
    description: "Tickets in a small issue tracker",
    nodes: {
      create: {
        description: "Opens a ticket. Output: {id, title, priority, requester, served_by}; finishes with `urgent` for priority high.",
        params: {
          type: "object",
          properties: {
            title: { type: "string", minLength: 1, maxLength: 200 },
            priority: { enum: ["low", "normal", "high"], default: "normal" },
          },
          required: ["title"],
          additionalProperties: false,
        },
        actions: ["urgent"],
        side_effects: true,
      },
      flaky: {
        description: "Answers 503 (retryable) for the first `fail_times` attempts of a step, then {attempts}.",
        params: { type: "object", properties: { fail_times: { type: "integer", minimum: 0 } }, required: ["fail_times"] },
        actions: [],
        side_effects: false,
      },
      reject: {
        description: "Always refuses with the error code ticket_rejected (not retryable).",
        params: { type: "object", properties: { reason: { type: "string" } } },
        actions: [],
        side_effects: false,
      },
    },
  };
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startTicketsPlugin({ port = 0, host = "127.0.0.1" } = {}) {
  const tenants = new Map();
  const tenant = (key) => {
    if (!tenants.has(key)) tenants.set(key, { secret: null, tickets: 0, attempts: new Map(), received: [] });
    return tenants.get(key);
  };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `http://${host}`);
      const state = tenant(url.searchParams.get("tenant") ?? "");
      if (req.method === "GET" && url.pathname === "/tickets")
        return send(res, 200, ticketsManifest(url.searchParams.get("name") ?? undefined));
      if (req.method === "GET" && url.pathname === "/tickets/received") return send(res, 200, state.received);
      const body = await readBody(req);
      if (req.method === "POST" && url.pathname === "/tickets/secret") {
        state.secret = JSON.parse(body).secret;
        return send(res, 200, { ok: true });
      }
      if (req.method !== "POST" || url.pathname !== "/tickets")
        return send(res, 404, { error: { code: "not_found", message: "no such path" } });

      // Only FlowRunner, holding the plugin's secret, can make a call this server accepts.
      if (!state.secret) return send(res, 401, { error: { code: "no_secret", message: "POST /tickets/secret first" } });
      try {
        new Webhook(state.secret).verify(body, Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])));
      } catch (error) {
        return send(res, 401, { error: { code: "bad_signature", message: String(error.message ?? error) } });
      }
      const call = JSON.parse(body);
      state.received.push({ ...call, webhook_id: req.headers["webhook-id"] });
      const node = String(call.type).slice(String(call.type).indexOf(".") + 1);
      const servedBy = url.searchParams.get("v") ?? "1";

      if (node === "create") {
        const id = `T-${++state.tickets}`;
        const priority = call.params.priority ?? "normal";
        return send(res, 200, {
          output: { id, title: call.params.title, priority, requester: call.input?.email ?? null, served_by: servedBy },
          action: priority === "high" ? "urgent" : "default",
          logs: [{ level: "info", message: `created ${id}` }],
        });
      }
      if (node === "flaky") {
        const key = `${call.execution.id}:${call.execution.node_id}`;
        const attempts = (state.attempts.get(key) ?? 0) + 1;
        state.attempts.set(key, attempts);
        if (attempts <= call.params.fail_times) {
          return send(res, 503, { error: { code: "busy", message: `busy (attempt ${attempts})`, retryable: true } });
        }
        return send(res, 200, { output: { attempts, served_by: servedBy } });
      }
      if (node === "reject") {
        return send(res, 200, { error: { code: "ticket_rejected", message: call.params.reason ?? "rejected", retryable: false } });
      }
      return send(res, 400, { error: { code: "unknown_node", message: `no node ${node}` } });
    } catch (error) {
      send(res, 500, { error: { code: "internal", message: String(error?.message ?? error) } });
    }
  });

  await new Promise((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const plugin = await startTicketsPlugin({ port: Number(process.argv[2] ?? 0) });
  console.log(`Tickets HTTP plugin on ${plugin.url}/tickets`);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => plugin.close().then(() => process.exit(0)));
}

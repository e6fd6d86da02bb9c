// A local stand-in for an OpenAI-compatible API, for tests, benchmarks and `npm start -- --standins`:
// no model weights and no paid API, but the wire format a client must speak, checked.
//
//   POST /v1/chat/completions   whole or streamed (SSE, `stream_options.include_usage`), tools and
//                               tool_calls, response_format json_schema / json_object
//   POST /v1/embeddings         deterministic vectors (words hashed into the dimensions), with usage
//   GET  /v1/models
//
// It refuses what OpenAI refuses, with OpenAI's error envelope: a missing or wrong API key (401),
// a missing model or messages, an unknown role, a tool message whose tool_call_id answers no earlier
// assistant tool call, unknown request arguments (400); see openai-check.mjs.
//
// What the "model" answers is scripted per API key: `POST /_standin/scripts` with
//   {replies?: [reply...], failures?: [{status, retry_after?, retry_after_ms?}], delay_ms?, chunk_delay_ms?}
// answers `{api_key}`; requests made with that key get `replies[k]` where k is the number of assistant
// messages in the request (the conversation's turn; the last reply repeats), after answering the
// first requests with the `failures` in order (a 429 or 5xx with Retry-After). A reply is a string, or
// `{content?, tool_calls?: [{name, arguments, id?}], json?, finish_reason?, usage?}`. The default key
// (and a script without replies) gets the default model: see defaultReply in openai-replies.mjs.
// `GET /_standin/scripts/{api_key}/requests` lists what that key's requests carried, with timings.
//
// Run alone:  node scripts/standins/openai.mjs [port]     (default 8790; key sk-standin)
import { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { checkChatRequest, checkEmbeddingsRequest, openaiError } from "./openai-check.mjs";
import { completion, embeddings, streamChunks } from "./openai-replies.mjs";

export const DEFAULT_API_KEY = "sk-standin";

/** Epoch milliseconds with sub-millisecond precision (comparable across processes on one machine). */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * @param {{ port?: number, host?: string, apiKey?: string }} [options]
 */
export async function startOpenAIStandin({ port = 0, host = "127.0.0.1", apiKey = DEFAULT_API_KEY } = {}) {
  /** API key → its script, the failures it has left, and what its requests carried. */
  const keys = new Map([[apiKey, { script: {}, failures: [], requests: [] }]]);
  let requestCount = 0;

  const server = createServer((req, res) => {
    const received = now();
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      handle(req, res, raw, received).catch((error) => {
        if (!res.headersSent) send(res, 500, openaiError(`stand-in failure: ${error?.message ?? error}`, { type: "server_error" }));
        else res.destroy();
      });
    });
  });

  function send(res, status, body, headers = {}) {
    res.writeHead(status, { "Content-Type": "application/json", "x-request-id": `req_${++requestCount}`, ...headers });
    res.end(JSON.stringify(body));
  }

  async function handle(req, res, raw, received) {
    const url = new URL(req.url ?? "/", "http://standin");
    const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
    if (route === "POST /_standin/scripts") return register(res, raw);
    const listed = url.pathname.match(/^\/_standin\/scripts\/([^/]+)\/requests$/);
    if (req.method === "GET" && listed) {
      const entry = keys.get(decodeURIComponent(listed[1]));
      return entry ? send(res, 200, { requests: entry.requests }) : send(res, 404, openaiError("No such script"));
    }
    if (!["POST /v1/chat/completions", "POST /v1/embeddings", "GET /v1/models"].includes(route)) {
      return send(res, 404, openaiError(`Invalid URL (${req.method} ${url.pathname})`));
    }
    const key = (req.headers.authorization ?? "").match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    if (!key) {
      return send(
        res,
        401,
        openaiError(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        ),
      );
    }
    const entry = keys.get(key);
    // Stricter than OpenAI, which shows only the key's last characters: the whole key comes back,
    // so a client that leaks provider error messages is caught leaking the key.
    if (!entry)
      return send(
        res,
        401,
        openaiError(`Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`, {
          code: "invalid_api_key",
        }),
      );
    if (route === "GET /v1/models")
      return send(res, 200, { object: "list", data: [{ id: "gpt-4.1-mini", object: "model", created: 0, owned_by: "standin" }] });

    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      return send(
        res,
        400,
        openaiError(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.",
        ),
      );
    }
    const record = {
      path: url.pathname,
      body,
      headers: {
        "content-type": req.headers["content-type"] ?? null,
        "x-stainless-retry-count": req.headers["x-stainless-retry-count"] ?? null,
      },
      received_at: received,
      status: 200,
      finished_at: null,
      chunks: [],
    };
    entry.requests.push(record);
    const answer = (status, payload, headers) => {
      record.status = status;
      send(res, status, payload, headers);
      record.finished_at = now();
    };

    if (route === "POST /v1/embeddings") {
      const problem = checkEmbeddingsRequest(body);
      return problem ? answer(problem.status, problem.body) : answer(200, embeddings(body));
    }
    const failure = entry.failures.shift();
    if (failure) return answer(failure.status, failureBody(failure, body), retryHeaders(failure));
    const problem = checkChatRequest(body);
    if (problem) return answer(problem.status, problem.body);
    if (entry.script.delay_ms) await sleep(entry.script.delay_ms);
    const replies = entry.script.replies ?? [];
    const turn = body.messages.filter((m) => m.role === "assistant").length;
    const done = completion(body, replies.length ? replies[Math.min(turn, replies.length - 1)] : undefined, Math.floor(Date.now() / 1000));
    if (body.stream !== true) return answer(200, done);

    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "x-request-id": `req_${++requestCount}` });
    res.flushHeaders();
    const chunkDelay = entry.script.chunk_delay_ms ?? 0;
    for (const chunk of streamChunks(done, body.stream_options?.include_usage === true)) {
      if (chunkDelay) await sleep(chunkDelay);
      if (res.destroyed) return;
      const text = chunk.choices[0]?.delta?.content;
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (typeof text === "string" && text !== "") record.chunks.push({ at: now(), text });
    }
    res.end("data: [DONE]\n\n");
    record.finished_at = now();
  }

  function register(res, raw) {
    let script;
    try {
      script = raw === "" ? {} : JSON.parse(raw);
    } catch {
      return send(res, 400, openaiError("The script must be JSON"));
    }
    if (!isObject(script)) return send(res, 400, openaiError("The script must be a JSON object"));
    const key = `sk-standin-${randomUUID()}`;
    keys.set(key, { script, failures: [...(script.failures ?? [])], requests: [] });
    return send(res, 201, { api_key: key });
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const base = `http://${host}:${address.port}`;
  return {
    /** The API's base URL, `http://host:port/v1` (what an OpenAI client's baseURL takes). */
    url: `${base}/v1`,
    /** The server's origin, for the `/_standin/...` endpoints. */
    origin: base,
    port: address.port,
    apiKey,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function failureBody(failure, body) {
  if (failure.status === 429) {
    return openaiError(
      failure.message ?? `Rate limit reached for ${body?.model} on requests per min (RPM): Limit 3, Used 3, Requested 1.`,
      {
        type: "requests",
        code: "rate_limit_exceeded",
      },
    );
  }
  return openaiError(failure.message ?? "The server had an error while processing your request. Sorry about that!", {
    type: failure.status >= 500 ? "server_error" : "invalid_request_error",
    code: failure.code ?? null,
  });
}

function retryHeaders(failure) {
  const headers = {};
  if (failure.retry_after !== undefined) headers["Retry-After"] = String(failure.retry_after);
  if (failure.retry_after_ms !== undefined) headers["retry-after-ms"] = String(failure.retry_after_ms);
  return headers;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const standin = await startOpenAIStandin({ port: Number(process.argv[2] ?? 8790) });
  console.log(`OpenAI-compatible stand-in on ${standin.url} (API key ${standin.apiKey})`);
}

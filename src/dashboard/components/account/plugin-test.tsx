/** One call of a node type outside any flow: params and input in, output, action, error, logs out. */
import { useState } from "preact/hooks";
import { call } from "../../lib/api";
import { formatDuration } from "../../lib/format";
import { ErrorBox, Json } from "../common";
import { parseJson, useAction } from "./pieces";
import type { PluginTestResult } from "./types";

export function PluginTestRun({ plugin, nodeTypes }: { plugin: string; nodeTypes: string[] }) {
  const [node, setNode] = useState(shortName(nodeTypes[0] ?? ""));
  const [params, setParams] = useState("{}");
  const [input, setInput] = useState("{}");
  const [result, setResult] = useState<PluginTestResult | null>(null);
  const action = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    setResult(null);
    const answer = await action.run(async () => {
      const json = { node, params: parseJson(params, "Params"), input: parseJson(input, "Input") };
      return (await call<PluginTestResult>(`/api/v1/plugins/${encodeURIComponent(plugin)}/test`, { method: "POST", json })).data;
    });
    if (answer) setResult(answer);
  }

  return (
    <div class="panel" aria-label="Test run">
      <h2>Test run</h2>
      <form class="stack" onSubmit={submit}>
        <label>
          Node type
          <select value={node} onChange={(e) => setNode(e.currentTarget.value)}>
            {nodeTypes.map((t) => (
              <option key={t} value={shortName(t)}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <div class="grid-2">
          <label>
            Params (JSON)
            <textarea
              value={params}
              spellcheck={false}
              rows={6}
              aria-label="Params (JSON)"
              onInput={(e) => setParams(e.currentTarget.value)}
            />
          </label>
          <label>
            Input (JSON)
            <textarea
              value={input}
              spellcheck={false}
              rows={6}
              aria-label="Input (JSON)"
              onInput={(e) => setInput(e.currentTarget.value)}
            />
          </label>
        </div>
        <div class="row">
          <button type="submit" class="primary" disabled={action.busy || !node}>
            {action.busy ? "Running…" : "Run test"}
          </button>
        </div>
      </form>
      <ErrorBox error={action.error} title="The test did not run" />
      {result && (
        <div class="stack test-result" aria-label="Test result" style={{ marginTop: "12px" }}>
          <div class="row">
            <span class={`status ${result.ok ? "status-completed" : "status-failed"}`}>{result.ok ? "ok" : "failed"}</span>
            {result.action && (
              <span>
                action <code>{result.action}</code>
              </span>
            )}
            <span class="muted">{formatDuration(result.duration_ms)}</span>
          </div>
          {result.error && (
            <div class="error-box">
              <strong>{result.error.code}</strong>
              <p>{result.error.message}</p>
              {result.error.retryable && <span class="muted">retryable</span>}
            </div>
          )}
          {result.output !== undefined && (
            <div>
              <h3>Output</h3>
              <Json value={result.output} label="Output" />
            </div>
          )}
          <div>
            <h3>Logs</h3>
            {result.logs.length === 0 ? (
              <p class="muted">No log lines.</p>
            ) : (
              <pre class="json" aria-label="Logs">
                {result.logs.map((l) => `${l.level.padEnd(5)} ${l.message}`).join("\n")}
              </pre>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

/** The test call names a node inside its plugin: `hello` for `greet.hello`. */
function shortName(type: string): string {
  return type.slice(type.indexOf(".") + 1);
}

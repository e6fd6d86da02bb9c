/**
 * The webhook triggers of the account's flows and their URLs. The list of flows does not carry
 * triggers, so each flow's detail is read, on demand and a few at a time.
 */
import { useEffect, useState } from "preact/hooks";
import { get } from "../../lib/api";
import { Empty, ErrorBox, Link, Loading } from "../common";
import type { FlowDetail, FlowPage, FlowSummary } from "./types";

interface InboundHook {
  flow: FlowSummary;
  trigger: FlowDetail["triggers"][number];
}

const PARALLEL = 4;

async function loadInboundHooks(): Promise<InboundHook[]> {
  const { flows } = await get<FlowPage>("/api/v1/flows", { limit: 100 });
  const found: InboundHook[][] = [];
  for (let i = 0; i < flows.length; i += PARALLEL) {
    const batch = flows.slice(i, i + PARALLEL);
    const details = await Promise.all(batch.map((f) => get<FlowDetail>(`/api/v1/flows/${f.id}`)));
    details.forEach((d, j) => found.push(d.triggers.filter((t) => t.type === "webhook").map((trigger) => ({ flow: batch[j]!, trigger }))));
  }
  return found.flat();
}

export function InboundHooks() {
  const [state, setState] = useState<{ hooks: InboundHook[] | null; error: unknown; loading: boolean }>({
    hooks: null,
    error: null,
    loading: false,
  });
  function load() {
    setState((s) => ({ ...s, loading: true, error: null }));
    loadInboundHooks().then(
      (hooks) => setState({ hooks, error: null, loading: false }),
      (error: unknown) => setState({ hooks: null, error, loading: false }),
    );
  }
  useEffect(load, []);
  return (
    <div class="stack">
      <p class="muted" style={{ margin: 0 }}>
        URLs that start a run of a flow with a <code>webhook</code> trigger. They take no account credential: the trigger's{" "}
        <code>verify</code> scheme checks the caller.
      </p>
      <ErrorBox error={state.error} />
      {state.loading && <Loading label="Reading your flows' triggers…" />}
      {state.hooks && state.hooks.length === 0 && <Empty>None of your flows has a webhook trigger.</Empty>}
      {state.hooks && state.hooks.length > 0 && (
        <table aria-label="Inbound webhook triggers">
          <thead>
            <tr>
              <th>Flow</th>
              <th>Trigger</th>
              <th>URL</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {state.hooks.map(({ flow, trigger }) => (
              <tr key={trigger.id}>
                <td>
                  <Link to={`/flows/${flow.id}`}>{flow.name}</Link>
                </td>
                <td>{trigger.key}</td>
                <td>
                  <code>{trigger.url ?? `${window.location.origin}/hooks/${trigger.id}`}</code>
                </td>
                <td>
                  {!flow.enabled ? (
                    <span class="status status-disabled">flow off</span>
                  ) : !trigger.enabled ? (
                    <span class="status status-disabled">disabled</span>
                  ) : trigger.paused ? (
                    <span class="status status-paused">paused</span>
                  ) : (
                    <span class="status status-active">active</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {state.hooks && (
        <div>
          <button type="button" onClick={load} disabled={state.loading}>
            Reload
          </button>
        </div>
      )}
    </div>
  );
}

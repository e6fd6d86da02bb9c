/** A flow's graph (as the validator draws it) and what starts the flow: URLs, addresses, schedules. */
import { ErrorBox, Link, Loading } from "../common";
import { GraphView } from "../graph-view";
import { CopyButton } from "./copy-button";
import type { FlowDetail, TriggerView } from "./flow-types";
import { useValidation } from "./use-validation";

export function GraphTab({ flow }: { flow: FlowDetail }) {
  const validated = useValidation(flow.content);
  const summaries = new Map((validated?.result?.graph?.triggers ?? []).map((t) => [t.id, t.summary]));
  return (
    <div class="stack">
      {!validated ? (
        <Loading label="Drawing the graph…" />
      ) : validated.error ? (
        <ErrorBox error={validated.error} title="The graph could not be drawn" />
      ) : validated.result?.graph ? (
        <GraphView graph={validated.result.graph} />
      ) : (
        <ErrorBox
          error={new Error(validated.result?.errors.map((e) => `line ${e.line}: ${e.message}`).join("\n") ?? "")}
          title="This version no longer validates (a plugin it uses may be gone)"
        />
      )}
      <section class="panel">
        <h2>Triggers</h2>
        {flow.triggers.length === 0 ? (
          <p class="muted">
            None: this flow runs when it is started here, through the API or by another flow. Add <code>triggers</code> to its YAML to run
            it on a schedule, from a webhook URL, an email or when another flow finishes.
          </p>
        ) : (
          <ul class="trigger-list" aria-label="Triggers of this flow">
            {flow.triggers.map((trigger) => (
              <TriggerRow key={trigger.id} trigger={trigger} summary={summaries.get(trigger.key)} flowEnabled={flow.enabled} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function TriggerRow({ trigger, summary, flowEnabled }: { trigger: TriggerView; summary?: string; flowEnabled: boolean }) {
  const declaredAddress = typeof trigger.config.address === "string" ? trigger.config.address : null;
  const state = !trigger.enabled ? "off" : trigger.paused ? "paused" : !flowEnabled ? "flow disabled" : "active";
  return (
    <li data-trigger={trigger.key}>
      <span>
        <span class="badge">{trigger.type === "cron" ? "schedule" : trigger.type}</span>
      </span>
      <div class="where">
        <div>
          <strong>{trigger.key}</strong>
          {summary && <span class="muted"> — {summary}</span>}
          {trigger.source === "node" && <span class="muted"> (made by a cron node)</span>}
        </div>
        {trigger.description && <div class="muted">{trigger.description}</div>}
        {trigger.url && (
          <div class="row">
            <code>{trigger.url}</code>
            <CopyButton text={trigger.url} label="Copy URL" />
          </div>
        )}
        {trigger.address && (
          <div class="row">
            <code>{trigger.address}</code>
            <CopyButton text={trigger.address} label="Copy address" />
          </div>
        )}
        {declaredAddress && declaredAddress !== trigger.address && (
          <div class="row">
            <code>{declaredAddress}</code>
            <CopyButton text={declaredAddress} label="Copy address" />
          </div>
        )}
        {trigger.type === "cron" && (
          <div>
            {!summary && typeof trigger.config.cron === "string" && <code>{trigger.config.cron}</code>} Its ticks and pauses:{" "}
            <Link to="/schedules">Schedules</Link>
          </div>
        )}
      </div>
      <span class={`status status-${state === "active" ? "active" : state === "paused" ? "paused" : "disabled"}`}>{state}</span>
    </li>
  );
}

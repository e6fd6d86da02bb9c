/**
 * One run: what it is (header), where it is (the graph, coloured live from the run's WebSocket),
 * when each step ran (timeline), what a step did (inspector), what it waits for, and its input and
 * output. The selected node and step are in the URL, so a view of a step can be shared.
 */
import { useMemo, useState } from "preact/hooks";
import { ErrorBox, Json, Link, Loading, PageHeader, StatusBadge } from "../components/common";
import { CancelButton, LiveIndicator, RunFacts } from "../components/run/run-header";
import { RunGraph, useRunFlow } from "../components/run/run-graph";
import { RerunDialog } from "../components/run/rerun-dialog";
import { StepInspector } from "../components/run/step-inspector";
import { Timeline } from "../components/run/timeline";
import { statesFromSteps } from "../components/run/node-states";
import { isFinal, type Step } from "../components/run/types";
import { useNow } from "../components/run/use-now";
import { useRunLive } from "../components/run/use-run-live";
import { useSteps } from "../components/run/use-steps";
import { WaitingPanel } from "../components/run/waiting-panel";
import { navigate } from "../lib/router";
import type { PageProps } from "../routes";
import "../components/run/run.css";

export function RunPage({ params, query }: PageProps) {
  const id = params.id!;
  const live = useRunLive(id);
  const { steps, loaded: stepsLoaded, error: stepsError } = useSteps(id, live.cue);
  const execution = live.execution;
  const flow = useRunFlow(execution?.flow_id, execution?.flow_version);
  const [rerunning, setRerunning] = useState(false);
  const final = execution ? isFinal(execution.status) : false;
  const now = useNow(!!execution && !final);

  const selectedNode = query.get("node");
  const selectedStep = query.get("step") ? Number(query.get("step")) : null;
  const select = (node: string | null, step: number | null = null) => {
    const next = new URLSearchParams(query);
    if (node) next.set("node", node);
    else next.delete("node");
    if (step !== null) next.set("step", String(step));
    else next.delete("step");
    const search = next.toString();
    navigate(`/runs/${encodeURIComponent(id)}${search ? `?${search}` : ""}`, true);
  };

  const nodeSteps = useMemo(() => (selectedNode ? steps.filter((s) => s.node_id === selectedNode) : []), [steps, selectedNode]);
  // Past the socket's replay limit, or while it is not connected, the step records tell where the run went.
  const fromSteps = live.partialHistory || !live.replayed || live.link !== "live";
  const states = useMemo(() => (fromSteps ? statesFromSteps(steps) : live.states), [fromSteps, live.states, steps]);
  const nodeTypes = useMemo(() => new Map((flow.graph?.nodes ?? []).map((n) => [n.id, n.type])), [flow.graph]);

  if (!execution) {
    return live.error ? <ErrorBox error={live.error} title="This run could not be loaded" /> : <Loading label="Loading the run…" />;
  }

  const failedNode = execution.error?.node_id || Object.entries(states).find(([, s]) => s === "failed")?.[0] || null;
  const from = Date.parse(execution.created_at);
  const to = execution.finished_at ? Date.parse(execution.finished_at) : Math.max(now, Date.now());

  return (
    <div class="run-page" data-status={execution.status}>
      <PageHeader
        title={
          <span class="row">
            Run <span class="mono run-id">{execution.id}</span> <StatusBadge status={execution.status} />
          </span>
        }
        subtitle={
          <span class="row">
            <Link to={`/runs?flow=${encodeURIComponent(execution.flow_id)}`}>All runs of this flow</Link>
            <LiveIndicator link={live.link} final={final} />
          </span>
        }
      >
        <CancelButton execution={execution} onDone={live.reload} />
        <button type="button" onClick={() => setRerunning(true)}>
          Rerun…
        </button>
      </PageHeader>
      {live.error !== null && <ErrorBox error={live.error} title="The run's latest state could not be loaded" />}
      <RunFacts execution={execution} flowName={flow.flow?.name ?? null} now={now} />
      <WaitingPanel execution={execution} onSent={live.reload} />

      <div class="run-main">
        <section class="panel run-graph-panel" aria-label="Graph">
          <h2>Graph</h2>
          <RunGraph
            graph={flow.graph}
            error={flow.error}
            problem={flow.problem}
            states={states}
            selected={selectedNode}
            onSelect={(node) => select(node)}
          />
        </section>
        {selectedNode ? (
          <StepInspector
            executionId={id}
            nodeId={selectedNode}
            nodeType={nodeTypes.get(selectedNode) ?? null}
            state={states[selectedNode] ?? "pending"}
            steps={nodeSteps}
            selectedSeq={selectedStep}
            onSelectStep={(s: Step) => select(s.node_id, s.seq)}
            onClose={() => select(null)}
            stream={live.streams[selectedNode]}
            cue={final ? 0 : live.cue}
          />
        ) : (
          <section class="panel inspector inspector-empty" aria-label="Inspector">
            <h2>Inspector</h2>
            <p class="muted">Select a node in the graph or a step in the timeline to see its input, output, logs and attempts.</p>
          </section>
        )}
      </div>

      <section class="panel" aria-label="Timeline">
        <div class="row section-head">
          <h2>Timeline</h2>
          <span class="muted">
            {steps.length.toLocaleString()} step{steps.length === 1 ? "" : "s"}
          </span>
        </div>
        <ErrorBox error={stepsError} title="Steps could not be loaded" />
        {!stepsLoaded ? (
          <Loading label="Loading steps…" />
        ) : steps.length === 0 ? (
          <p class="muted">No step has run yet.</p>
        ) : (
          <Timeline
            steps={steps}
            from={from}
            to={to}
            now={now}
            selectedSeq={selectedStep ?? (selectedNode ? (nodeSteps.at(-1)?.seq ?? null) : null)}
            waited={live.waited}
            onSelect={(s) => select(s.node_id, s.seq)}
          />
        )}
      </section>

      <div class="grid-2 run-io">
        <section class="panel" aria-labelledby="run-input-title">
          <h2 id="run-input-title">Input</h2>
          <Json value={execution.input} label="Run input" />
        </section>
        <section class="panel" aria-labelledby="run-output-title">
          <h2 id="run-output-title">Output</h2>
          {execution.status === "completed" ? (
            <Json value={execution.output} label="Run output" />
          ) : (
            <p class="muted">{final ? "No output: the run did not complete." : "The output is known once the run completes."}</p>
          )}
        </section>
      </div>

      {rerunning && <RerunDialog execution={execution} graph={flow.graph} initialNode={failedNode} onClose={() => setRerunning(false)} />}
    </div>
  );
}

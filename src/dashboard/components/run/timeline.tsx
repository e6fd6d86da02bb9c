/**
 * The run's steps as a Gantt chart: one row per step (attempt), its bar placed by its start and end
 * on the run's time axis. Waits show as hatched bars, retried attempts in amber, so back-off gaps
 * between attempts of a node are visible. Only the rows in view are in the page.
 */
import { formatDuration } from "../../lib/format";
import { StatusBadge } from "../common";
import type { Step } from "./types";
import { VirtualList } from "./virtual-list";

const ROW = 30;
const HEIGHT = 360;

export interface TimelineProps {
  steps: Step[];
  /** The run's start and its end (or now while it goes on), in ms. */
  from: number;
  to: number;
  now: number;
  selectedSeq: number | null;
  /** Steps that paused at some point: their bars are hatched. */
  waited: ReadonlySet<number>;
  onSelect: (step: Step) => void;
}

export function Timeline({ steps, from, to, now, selectedSeq, waited, onSelect }: TimelineProps) {
  const span = Math.max(to - from, 1);
  const selectedIndex = selectedSeq === null ? null : steps.findIndex((s) => s.seq === selectedSeq);
  return (
    <div class="timeline" data-testid="timeline">
      <div class="timeline-head" aria-hidden="true">
        <span>#</span>
        <span>Node</span>
        <span>Try</span>
        <span>Status</span>
        <span class="timeline-axis">
          {[0, 0.25, 0.5, 0.75, 1].map((f) => (
            <span key={f} style={{ left: `${f * 100}%` }}>
              {f === 0 ? "0" : formatDuration(span * f)}
            </span>
          ))}
        </span>
      </div>
      <VirtualList
        items={steps}
        rowHeight={ROW}
        height={HEIGHT}
        rowKey={(s) => s.seq}
        scrollTo={selectedIndex !== null && selectedIndex >= 0 ? selectedIndex : null}
        label="Steps"
        renderRow={(step) => (
          <TimelineRow
            step={step}
            from={from}
            span={span}
            now={now}
            selected={step.seq === selectedSeq}
            waited={waited.has(step.seq) || step.status === "waiting"}
            onSelect={onSelect}
          />
        )}
      />
    </div>
  );
}

function TimelineRow({
  step,
  from,
  span,
  now,
  selected,
  waited,
  onSelect,
}: {
  step: Step;
  from: number;
  span: number;
  now: number;
  selected: boolean;
  waited: boolean;
  onSelect: (step: Step) => void;
}) {
  const start = Date.parse(step.started_at);
  const end = step.finished_at ? Date.parse(step.finished_at) : now;
  const left = clamp01((start - from) / span);
  const width = Math.max(clamp01((end - start) / span), 0.004);
  const took = step.duration_ms ?? end - start;
  return (
    <button
      type="button"
      class={`timeline-row${selected ? " selected" : ""}`}
      data-step={step.seq}
      data-node-step={step.node_id}
      aria-pressed={selected}
      onClick={() => onSelect(step)}
      title={`${step.node_id} · attempt ${step.attempt} · ${step.status}${waited ? " (paused)" : ""} · ${formatDuration(took)}${step.finished_at ? "" : " so far"}`}
    >
      <span class="timeline-seq">{step.seq}</span>
      <span class="timeline-node mono">{step.node_id}</span>
      <span class="timeline-attempt">{step.attempt > 1 ? `#${step.attempt}` : "1"}</span>
      <span>
        <StatusBadge status={step.status} />
      </span>
      <span class="timeline-track">
        <span
          class={`timeline-bar bar-${step.status}${waited ? " bar-waited" : ""}`}
          style={{ left: `${left * 100}%`, width: `${Math.min(width, 1 - left) * 100}%` }}
        />
        <span class="timeline-took" style={{ left: `${Math.min(left + width, 1) * 100}%` }}>
          {took < 1 ? "<1 ms" : formatDuration(took)}
        </span>
      </span>
    </button>
  );
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0;
}

/**
 * A run as it happens: the execution (from its socket's snapshot, then fetched again whenever the run
 * changes status or waits), the node states derived from every event, the text models stream, and
 * whether the socket is connected. Messages are applied in batches, so replaying a long history
 * re-renders the page a few times rather than once per event.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { get } from "../../lib/api";
import { watchRun, type LiveMessage } from "../../lib/live";
import type { NodeState } from "../graph-view";
import { isRecord } from "../../../lib/json";
import { coalesce } from "./coalesce";
import { applyEvent } from "./node-states";
import type { Execution } from "./types";

export type LinkState = "connecting" | "live" | "reconnecting";

export interface RunLive {
  execution: Execution | null;
  error: unknown;
  states: Record<string, NodeState>;
  link: LinkState;
  /** Streamed model text by node, for the node's current step; live only. */
  streams: Record<string, string>;
  /** Grows with every recorded event applied: a cue for lists that follow the run. */
  eventCount: number;
  /** Grows with the events, and every few seconds while the socket is down: when to fetch steps and logs again. */
  cue: number;
  /** The history has been replayed: what is shown is now the present. */
  replayed: boolean;
  /** The socket replayed only part of the history (it sends at most 10,000 events). */
  partialHistory: boolean;
  /** Seqs of the steps that paused (a delay, a wait, an event, a sub-flow) at some point. */
  waited: ReadonlySet<number>;
  reload: () => void;
}

const STREAM_EVENTS = ["llm.delta", "agent.delta"];
const REPLAY_LIMIT = 10_000;
const POLL_MS = 3000;

export function useRunLive(id: string): RunLive {
  const [execution, setExecution] = useState<Execution | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [states, setStates] = useState<Record<string, NodeState>>({});
  const [streams, setStreams] = useState<Record<string, string>>({});
  const [link, setLink] = useState<LinkState>("connecting");
  const [eventCount, setEventCount] = useState(0);
  const [polls, setPolls] = useState(0);
  const [replayed, setReplayed] = useState(false);
  const [partialHistory, setPartialHistory] = useState(false);
  const [waited, setWaited] = useState<ReadonlySet<number>>(new Set());
  const refetch = useRef<{ request: () => void } | null>(null);

  useEffect(() => {
    setExecution(null);
    setError(null);
    setStates({});
    setStreams({});
    setEventCount(0);
    setPolls(0);
    setReplayed(false);
    setPartialHistory(false);
    setWaited(new Set());
    setLink("connecting");

    const current: Record<string, NodeState> = {};
    const text: Record<string, string> = {};
    // step.waiting names the node, not the step: the node's latest started step is the one pausing.
    const stepOf: Record<string, number> = {};
    const paused = new Set<number>();
    let count = 0;
    let replaying = true;
    let queue: LiveMessage[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;

    const fetcher = coalesce(async () => {
      try {
        setExecution(await get<Execution>(`/api/v1/executions/${encodeURIComponent(id)}`));
        setError(null);
      } catch (caught) {
        setError(caught);
      }
    }, 400);
    refetch.current = fetcher;

    const flush = () => {
      flushTimer = undefined;
      const batch = queue;
      queue = [];
      let statesChanged = false;
      let textChanged = false;
      let runChanged = false;
      let waitedChanged = false;
      for (const message of batch) {
        if (message.type === "snapshot") {
          setExecution(message.execution);
        } else if (message.type === "replayed") {
          if (replaying && count >= REPLAY_LIMIT) setPartialHistory(true);
          replaying = false;
          setReplayed(true);
        } else if (message.type === "event") {
          const event = message.event;
          count++;
          applyEvent(current, event);
          statesChanged ||= event.type.startsWith("step.") || event.type.startsWith("execution.");
          if (event.type === "step.started" && event.node_id) {
            if (isRecord(event.data) && typeof event.data.step === "number") stepOf[event.node_id] = event.data.step;
            if (text[event.node_id]) {
              delete text[event.node_id];
              textChanged = true;
            }
          }
          if (event.type === "step.waiting" && event.node_id && stepOf[event.node_id] !== undefined) {
            paused.add(stepOf[event.node_id]!);
            waitedChanged = true;
          }
          // The snapshot already shows the run as of the end of the replay: only live events change it.
          if (!replaying)
            runChanged ||= event.type.startsWith("execution.") || event.type === "step.waiting" || event.type === "step.resumed";
        } else if (message.type === "ephemeral" && STREAM_EVENTS.includes(message.event.type) && message.event.node_id) {
          const content = isRecord(message.event.data) ? message.event.data.content : undefined;
          if (typeof content === "string") {
            text[message.event.node_id] = (text[message.event.node_id] ?? "") + content;
            textChanged = true;
          }
        }
      }
      if (statesChanged) setStates({ ...current });
      if (textChanged) setStreams({ ...text });
      if (waitedChanged) setWaited(new Set(paused));
      setEventCount(count);
      if (runChanged) fetcher.request();
    };

    // While the socket is down, the run is fetched again now and then instead.
    let connected = false;
    const poll = setInterval(() => {
      if (connected || document.visibilityState !== "visible") return;
      fetcher.request();
      setPolls((n) => n + 1);
    }, POLL_MS);

    const stop = watchRun(id, {
      onMessage(message) {
        queue.push(message);
        flushTimer ??= setTimeout(flush, 30);
      },
      onStatus(up) {
        connected = up;
        setLink(up ? "live" : "reconnecting");
      },
    });
    // The socket's snapshot usually comes first; this covers a socket that cannot connect at all.
    fetcher.request();
    return () => {
      stop();
      fetcher.cancel();
      clearTimeout(flushTimer);
      clearInterval(poll);
    };
  }, [id]);

  return {
    execution,
    error,
    states,
    link,
    streams,
    eventCount,
    cue: eventCount + polls,
    replayed,
    partialHistory,
    waited,
    reload: () => refetch.current?.request(),
  };
}

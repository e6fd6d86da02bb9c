/**
 * What a waiting run waits for, and the means to answer: a form that posts the awaited event with a
 * JSON payload, or, for a tool call that needs approval (docs/ai.md, `approve_tool`), Approve and
 * Reject with the call's arguments editable.
 */
import { useState } from "preact/hooks";
import { call } from "../../lib/api";
import { formatJson } from "../../lib/format";
import { ErrorBox, Json } from "../common";
import { parseJson } from "./parse-json";
import type { Execution, WaitingFor } from "./types";

const APPROVAL_EVENT = "approve_tool";

const STATE_TEXT: Record<string, string> = {
  sleeping: "sleeping (a delay or a timed wait)",
  retry_wait: "waiting to retry",
  waiting_child: "waiting for a sub-flow",
  waiting_event: "waiting for an event",
};

export function WaitingPanel({ execution, onSent }: { execution: Execution; onSent: () => void }) {
  if (execution.status !== "waiting" && execution.waiting_for.length === 0) return null;
  const events = execution.waiting_for.filter((w) => w.state === "waiting_event" && w.event);
  const others = execution.waiting_for.filter((w) => !(w.state === "waiting_event" && w.event));
  if (events.length === 0 && others.length === 0) return null;
  return (
    <section class="panel waiting-panel" aria-label="Waiting">
      <h2>Waiting</h2>
      {others.length > 0 && (
        <ul class="waiting-list">
          {others.map((w, i) => (
            <li key={`${w.node_id}-${i}`}>
              <span class="mono">{w.node_id}</span> is {STATE_TEXT[w.state] ?? w.state}
            </li>
          ))}
        </ul>
      )}
      {events.map((w, i) =>
        w.event === APPROVAL_EVENT ? (
          <Approval key={`${w.node_id}-${i}`} executionId={execution.id} wait={w} onSent={onSent} />
        ) : (
          <EventForm key={`${w.node_id}-${i}`} executionId={execution.id} wait={w} onSent={onSent} />
        ),
      )}
    </section>
  );
}

async function sendEvent(executionId: string, name: string, payload: unknown): Promise<void> {
  await call(`/api/v1/executions/${encodeURIComponent(executionId)}/events/${encodeURIComponent(name)}`, {
    method: "POST",
    json: payload,
  });
}

function EventForm({ executionId, wait, onSent }: { executionId: string; wait: WaitingFor; onSent: () => void }) {
  const [text, setText] = useState("{}");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const parsed = parseJson(text);
  const name = wait.event!;
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!parsed.ok) return;
    setBusy(true);
    setError(null);
    try {
      await sendEvent(executionId, name, parsed.value);
      onSent();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stack waiting-event" onSubmit={submit} data-event={name}>
      <p>
        <span class="mono">{wait.node_id}</span> waits for the event <strong class="mono">{name}</strong>.
      </p>
      {wait.data !== undefined && <Json value={wait.data} label="What the node shows" />}
      <label>
        Payload (JSON)
        <textarea
          rows={4}
          value={text}
          spellcheck={false}
          aria-invalid={!parsed.ok}
          onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
        />
      </label>
      {!parsed.ok && <p class="field-error">Not valid JSON: {parsed.message}</p>}
      <ErrorBox error={error} title="The event could not be sent" />
      <div class="row">
        <button type="submit" class="primary" disabled={busy || !parsed.ok}>
          {busy ? "Sending…" : `Send ${name}`}
        </button>
      </div>
    </form>
  );
}

interface ProposedCall {
  tool?: string;
  call_id?: string;
  arguments?: unknown;
}

function Approval({ executionId, wait, onSent }: { executionId: string; wait: WaitingFor; onSent: () => void }) {
  const proposed = (typeof wait.data === "object" && wait.data !== null ? wait.data : {}) as ProposedCall;
  const original = formatJson(proposed.arguments ?? {});
  const [args, setArgs] = useState(original);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const parsed = parseJson(args);
  const answer = async (payload: unknown) => {
    setBusy(true);
    setError(null);
    try {
      await sendEvent(executionId, APPROVAL_EVENT, payload);
      onSent();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  // Only edited arguments are sent: unchanged, the call runs exactly as the model proposed it.
  const approve = () => parsed.ok && answer(args === original ? { approve: true } : { approve: true, arguments: parsed.value });
  const reject = () => answer(reason.trim() ? { approve: false, reason: reason.trim() } : { approve: false });
  return (
    <div class="stack approval" data-event={APPROVAL_EVENT}>
      <p>
        <span class="mono">{wait.node_id}</span> asks to call the tool <strong class="mono">{proposed.tool ?? "?"}</strong>
      </p>
      <label>
        Arguments (JSON, editable)
        <textarea
          rows={6}
          value={args}
          spellcheck={false}
          aria-invalid={!parsed.ok}
          onInput={(e) => setArgs((e.currentTarget as HTMLTextAreaElement).value)}
        />
      </label>
      {!parsed.ok && <p class="field-error">Not valid JSON: {parsed.message}</p>}
      <label>
        Reason (told to the model when rejected)
        <input value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <ErrorBox error={error} title="The answer could not be sent" />
      <div class="row">
        <button type="button" class="primary" onClick={approve} disabled={busy || !parsed.ok}>
          Approve
        </button>
        <button type="button" class="danger" onClick={reject} disabled={busy}>
          Reject
        </button>
      </div>
    </div>
  );
}

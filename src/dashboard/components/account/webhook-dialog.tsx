/** Creating an outbound webhook subscription: URL, events, optional flow, description. */
import { useState } from "preact/hooks";
import { call } from "../../lib/api";
import { Dialog, ErrorBox } from "../common";
import { useAction } from "./pieces";
import { WEBHOOK_EVENTS, type FlowSummary, type Webhook, type WebhookWithSecret } from "./types";

export function WebhookDialog({
  flows,
  onClose,
  onCreated,
}: {
  flows: FlowSummary[];
  onClose: () => void;
  onCreated: (created: Webhook & { secret: string }) => void;
}) {
  const [url, setUrl] = useState("");
  const [all, setAll] = useState(false);
  const [events, setEvents] = useState<string[]>(["execution.failed"]);
  const [flowId, setFlowId] = useState("");
  const [description, setDescription] = useState("");
  const action = useAction();

  function toggle(event: string, on: boolean) {
    setEvents((current) => (on ? [...current, event] : current.filter((e) => e !== event)));
  }

  async function submit(e: Event) {
    e.preventDefault();
    const created = await action.run(async () => {
      const json = {
        url: url.trim(),
        events: all ? ["*"] : events,
        flow_id: flowId || undefined,
        description: description.trim() || undefined,
      };
      return (await call<WebhookWithSecret>("/api/v1/webhooks", { method: "POST", json })).data;
    });
    if (created) onCreated(created);
  }

  return (
    <Dialog title="New webhook subscription" onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        <label>
          URL
          <input
            type="url"
            required
            value={url}
            placeholder="https://example.com/hooks/flowrunner"
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
        </label>
        <fieldset class="stack">
          <legend>Events</legend>
          <div class="check-list">
            <label>
              <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> All events (<code>*</code>)
            </label>
            {WEBHOOK_EVENTS.map((event) => (
              <label key={event}>
                <input
                  type="checkbox"
                  disabled={all}
                  checked={all || events.includes(event)}
                  onChange={(e) => toggle(event, e.currentTarget.checked)}
                />
                <code>{event}</code>
              </label>
            ))}
          </div>
        </fieldset>
        <label>
          Flow
          <select value={flowId} onChange={(e) => setFlowId(e.currentTarget.value)}>
            <option value="">Every flow</option>
            {flows.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Description
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <ErrorBox error={action.error} title="The subscription was not created" />
        <div class="row dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy || (!all && events.length === 0)}>
            Create subscription
          </button>
        </div>
      </form>
    </Dialog>
  );
}

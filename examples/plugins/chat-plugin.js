// A JavaScript plugin for FlowRunner (docs/plugins.md, "JavaScript plugins"): posts messages to a
// chat webhook (Slack, Mattermost and Discord incoming webhooks take this shape). Add it with its
// manifest:
//   flowrunner plugins create --js examples/plugins/chat-plugin.js --manifest examples/plugins/chat-plugin.json
// and use it in a flow as `type: chat.post` (examples/plugins/chat-notify.yaml).

export async function post({ params, execution, http, log }) {
  const res = await http.fetch(params.webhook_url, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": execution.idempotency_key },
    body: JSON.stringify({ text: params.text, ...(params.channel ? { channel: params.channel } : {}) }),
  });
  if (res.status === 429 || res.status >= 500) {
    return { error: { code: "chat_unavailable", message: `the chat webhook answered ${res.status}`, retryable: true } };
  }
  if (!res.ok) return { error: { code: "chat_refused", message: `the chat webhook answered ${res.status}: ${res.text().slice(0, 200)}` } };
  log("info", `posted to ${params.channel ?? "the default channel"}`);
  return { output: { posted: true, status: res.status, channel: params.channel ?? null } };
}

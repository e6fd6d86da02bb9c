/**
 * Creating a plugin (kind js: manifest + source; kind http: URL, manifest fetched from it unless given)
 * and saving a new version of one. An http plugin's signing secret comes back once.
 */
import { useState } from "preact/hooks";
import { call } from "../../lib/api";
import { Dialog, ErrorBox } from "../common";
import { parseJson, useAction } from "./pieces";
import type { PluginDetail, PluginWithSecret } from "./types";

const EXAMPLE_MANIFEST = JSON.stringify(
  {
    name: "greet",
    version: "1.0.0",
    description: "Says hello",
    nodes: {
      hello: {
        description: "Greets someone",
        params: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
        side_effects: false,
      },
    },
  },
  null,
  2,
);

const EXAMPLE_SOURCE = `export function hello({ params, input, log }) {
  log("greeting", params.name);
  return { output: { greeting: "Hello, " + params.name } };
}
`;

type Saved = PluginDetail & Partial<Pick<PluginWithSecret, "secret">>;

export function PluginFormDialog({
  existing,
  onClose,
  onSaved,
}: {
  existing?: PluginDetail;
  onClose: () => void;
  onSaved: (plugin: Saved) => void;
}) {
  const [kind, setKind] = useState<"js" | "http">(existing?.kind === "http" ? "http" : "js");
  const [manifest, setManifest] = useState(
    existing?.manifest ? JSON.stringify(existing.manifest, null, 2) : existing ? "" : EXAMPLE_MANIFEST,
  );
  const [source, setSource] = useState(existing?.source ?? EXAMPLE_SOURCE);
  const [url, setUrl] = useState(existing?.url ?? "");
  const [rotate, setRotate] = useState(false);
  const action = useAction();

  async function submit(event: Event) {
    event.preventDefault();
    const saved = await action.run(async () => {
      const parsed = parseJson(manifest, "The manifest");
      if (existing) {
        const json =
          kind === "js"
            ? { manifest: parsed, source }
            : { manifest: parsed, url: url.trim() || undefined, rotate_secret: rotate || undefined };
        return (await call<Saved>(`/api/v1/plugins/${encodeURIComponent(existing.name)}`, { method: "PUT", json })).data;
      }
      const json = kind === "js" ? { kind, manifest: parsed, source } : { kind, url: url.trim(), manifest: parsed };
      return (await call<Saved>("/api/v1/plugins", { method: "POST", json })).data;
    });
    if (saved) onSaved(saved);
  }

  return (
    <Dialog title={existing ? `New version of ${existing.name}` : "New plugin"} onClose={onClose}>
      <form class="stack" onSubmit={submit}>
        {!existing && (
          <div class="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={kind === "js"} onClick={() => setKind("js")}>
              JavaScript
            </button>
            <button type="button" role="tab" aria-selected={kind === "http"} onClick={() => setKind("http")}>
              HTTP endpoint
            </button>
          </div>
        )}
        {kind === "http" && (
          <label>
            URL
            <input
              type="url"
              value={url}
              required={!existing}
              placeholder="https://tickets.example.com/plugin"
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
          </label>
        )}
        <label>
          Manifest (JSON){kind === "http" && <span class="muted"> — leave empty to fetch it with GET on the URL</span>}
          <textarea
            value={manifest}
            spellcheck={false}
            rows={12}
            aria-label="Manifest"
            onInput={(e) => setManifest(e.currentTarget.value)}
          />
        </label>
        {kind === "js" && (
          <label>
            Source (an ES module exporting one function per node)
            <textarea value={source} spellcheck={false} rows={12} aria-label="Source" onInput={(e) => setSource(e.currentTarget.value)} />
          </label>
        )}
        {existing && kind === "http" && (
          <label class="inline">
            <input type="checkbox" checked={rotate} onChange={(e) => setRotate(e.currentTarget.checked)} /> Rotate the signing secret
          </label>
        )}
        <ErrorBox error={action.error} title="The plugin was not saved" />
        <div class="row dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            {existing ? "Save new version" : "Create plugin"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * Setting a secret: name, type, value, description, tags → PUT. The value is write-only: it lives in
 * this form until the request is sent, then the form closes and nothing keeps it.
 */
import { useState } from "preact/hooks";
import { call } from "../../lib/api";
import { Dialog, ErrorBox } from "../common";
import { parseJson, useAction } from "./pieces";
import { SECRET_TYPES, type SecretType } from "./types";

/** The fields each structured type requires (docs/api.md "Secrets"), as a starting point to fill in. */
const TEMPLATES: Record<Exclude<SecretType, "plain">, Record<string, string>> = {
  api_key: { key: "" },
  oauth: { client_id: "", client_secret: "" },
  database: { type: "postgres", host: "", username: "", password: "" },
  aws: { access_key_id: "", secret_access_key: "" },
  jwt: { token: "" },
  custom: { field: "" },
};

export const SECRETS_PATH = "/api/v1/accounts/me/secrets";

export function SecretDialog({
  initial,
  onClose,
  onSaved,
}: {
  initial?: { key: string; type: string; description: string | null; tags: string[] };
  onClose: () => void;
  onSaved: (name: string) => void;
}) {
  const [name, setName] = useState(initial?.key ?? "");
  const [type, setType] = useState<SecretType>((initial?.type as SecretType | undefined) ?? "plain");
  const [value, setValue] = useState("");
  const [data, setData] = useState(() => template((initial?.type as SecretType | undefined) ?? "plain"));
  const [description, setDescription] = useState(initial?.description ?? "");
  const [tags, setTags] = useState(initial?.tags.join(", ") ?? "");
  const action = useAction();

  function changeType(next: SecretType) {
    setType(next);
    setData(template(next));
  }

  async function submit(event: Event) {
    event.preventDefault();
    const saved = await action.run(async () => {
      const body: Record<string, unknown> = {
        description: description.trim() || undefined,
        tags: tags
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean),
      };
      if (type === "plain") body.value = value;
      else {
        body.type = type;
        body.data = parseJson(data, "The value");
      }
      await call(`${SECRETS_PATH}/${encodeURIComponent(name.trim())}`, { method: "PUT", json: body });
      return name.trim();
    });
    if (saved) {
      setValue("");
      setData("");
      onSaved(saved);
    }
  }

  return (
    <Dialog title={initial ? `Replace secret ${initial.key}` : "Set secret"} onClose={onClose}>
      <form class="stack" onSubmit={submit} autocomplete="off">
        <div class="grid-2">
          <label>
            Name
            <input
              value={name}
              required
              pattern="[A-Za-z_][A-Za-z0-9_]*"
              title="Letters, digits and _, not starting with a digit"
              disabled={Boolean(initial)}
              onInput={(e) => setName(e.currentTarget.value)}
              placeholder="STRIPE_KEY"
            />
          </label>
          <label>
            Type
            <select value={type} onChange={(e) => changeType(e.currentTarget.value as SecretType)}>
              {SECRET_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        </div>
        {type === "plain" ? (
          <label>
            Value
            <input type="password" value={value} required autocomplete="new-password" onInput={(e) => setValue(e.currentTarget.value)} />
          </label>
        ) : (
          <label>
            Fields (JSON)
            <textarea
              value={data}
              spellcheck={false}
              autocomplete="off"
              required
              aria-label="Fields (JSON)"
              onInput={(e) => setData(e.currentTarget.value)}
            />
            <span class="muted">
              A flow reads them as <code>{"${secrets." + (name || "NAME") + ".field}"}</code>.
            </span>
          </label>
        )}
        <label>
          Description
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <label>
          Tags
          <input value={tags} placeholder="payments, prod" onInput={(e) => setTags(e.currentTarget.value)} />
        </label>
        {initial && <p class="muted">Saving replaces the stored value; the old one cannot be read back.</p>}
        <ErrorBox error={action.error} title="The secret was not saved" />
        <div class="row dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={action.busy}>
            {action.busy ? "Saving…" : "Save secret"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function template(type: SecretType): string {
  return type === "plain" ? "" : JSON.stringify(TEMPLATES[type], null, 2);
}

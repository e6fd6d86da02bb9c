/**
 * Writing a flow: YAML in CodeMirror, checked by the server as it is typed (findings marked on their
 * lines and listed below), the graph drawn beside it while it is valid. Saving an existing flow names
 * the version it was opened at (If-Match), so a change made meanwhile is never overwritten unseen.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ErrorBox, Loading, PageHeader } from "../components/common";
import { ConflictPanel, type Conflict } from "../components/flows/conflict-panel";
import { EditorPreview, EditorStatus } from "../components/flows/editor-side";
import { FindingsList } from "../components/flows/findings-list";
import { flowPath, type FlowDetail } from "../components/flows/flow-types";
import { toDiagnostics } from "../components/flows/issue-diagnostics";
import { LEAVE_QUESTION, useLeaveGuard } from "../components/flows/use-leave-guard";
import { useValidation } from "../components/flows/use-validation";
import { YamlEditor, type EditorHandle, type EditorSchema } from "../components/flows/yaml-editor";
import { ApiError, call, get } from "../lib/api";
import { navigate } from "../lib/router";
import type { PageProps } from "../routes";
import "./flows.css";

const NEW_FLOW = `metadata:
  name: My flow
  description: What this flow does
  tags: []
nodes:
  greet:
    type: transform
    params:
      script: |
        return { greeting: "Hello, " + (input.name ?? "world") };
`;

/** How long typing pauses before the server checks the text. */
const VALIDATE_AFTER_MS = 400;

interface Opened {
  content: string;
  name: string | null;
  version: number;
  etag: string | null;
}

export function FlowEditorPage({ params }: PageProps) {
  // A different flow in the same route is a different editor.
  return <FlowEditor key={params.id ?? "new"} id={params.id ?? null} />;
}

function FlowEditor({ id }: { id: string | null }) {
  const [opened, setOpened] = useState<Opened | null>(id ? null : { content: NEW_FLOW, name: null, version: 0, etag: null });
  const [loadError, setLoadError] = useState<unknown>(null);
  const [schema, setSchema] = useState<EditorSchema | null>(null);

  useEffect(() => {
    if (id) {
      call<FlowDetail>(flowPath(id)).then(
        ({ data, headers }) =>
          setOpened({ content: data.content, name: data.name, version: data.version, etag: headers.get("ETag") ?? `"${data.version}"` }),
        (error: unknown) => setLoadError(error),
      );
    }
    // Completion and hover help are extras: without the schema the editor still works.
    get<EditorSchema>("/api/v1/flows/schema").then(setSchema, () => undefined);
  }, [id]);

  if (loadError) return <ErrorBox error={loadError} title="This flow could not be opened" />;
  if (!opened) return <Loading />;
  return <EditorSession id={id} opened={opened} schema={schema} />;
}

function EditorSession({ id, opened, schema }: { id: string | null; opened: Opened; schema: EditorSchema | null }) {
  const editor = useRef<EditorHandle | null>(null);
  const [text, setText] = useState(opened.content);
  const [saved, setSaved] = useState({ content: opened.content, version: opened.version, etag: opened.etag });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [justSaved, setJustSaved] = useState<number | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const validated = useValidation(text, VALIDATE_AFTER_MS);
  const dirty = text !== saved.content;
  useLeaveGuard(dirty);

  useEffect(() => {
    if (!validated?.result) return;
    const { errors, warnings } = validated.result;
    editor.current?.showDiagnostics(validated.content, (view) => toDiagnostics(view.state.doc, errors, warnings));
  }, [validated]);

  async function save(etag = saved.etag) {
    if (saving || !editor.current) return;
    const content = editor.current.text();
    setSaving(true);
    setSaveError(null);
    setJustSaved(null);
    try {
      const headers: Record<string, string> = { "Content-Type": "application/yaml" };
      if (!id) {
        const { data } = await call<FlowDetail>("/api/v1/flows", { method: "POST", body: content, headers });
        navigate(`/flows/${encodeURIComponent(data.id)}`);
        return;
      }
      if (etag) headers["If-Match"] = etag;
      const answer = await call<FlowDetail>(flowPath(id), { method: "PUT", body: content, headers });
      setSaved({ content, version: answer.data.version, etag: answer.headers.get("ETag") ?? `"${answer.data.version}"` });
      setJustSaved(answer.data.version);
      setConflict(null);
    } catch (error) {
      if (id && error instanceof ApiError && error.status === 412) await showConflict(id);
      // The findings list already shows each problem of an invalid flow: the message is enough here.
      else if (error instanceof ApiError && error.code === "validation_failed")
        setSaveError(new ApiError(error.status, error.code, error.message));
      else setSaveError(error);
    } finally {
      setSaving(false);
    }
  }

  async function showConflict(flowId: string) {
    try {
      const { data, headers } = await call<FlowDetail>(flowPath(flowId));
      setConflict({ version: data.version, etag: headers.get("ETag") ?? `"${data.version}"`, content: data.content, base: saved.version });
    } catch (error) {
      setSaveError(error);
    }
  }

  function loadTheirs(theirs: Conflict) {
    if (dirty && !window.confirm(`Replace your text with version ${theirs.version}? Ctrl+Z in the editor brings it back.`)) return;
    editor.current?.replace(theirs.content);
    setSaved({ content: theirs.content, version: theirs.version, etag: theirs.etag });
    setConflict(null);
  }

  // Ctrl/Cmd-S anywhere on the page (the editor has its own binding while it has focus).
  const saveRef = useRef(save);
  saveRef.current = save;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.key.toLowerCase() !== "s" || !(event.ctrlKey || event.metaKey)) return;
      event.preventDefault();
      void saveRef.current();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const leave = () => {
    if (dirty && !window.confirm(LEAVE_QUESTION)) return;
    navigate(id ? `/flows/${encodeURIComponent(id)}` : "/flows");
  };

  const current = validated?.content === text ? validated : null;
  return (
    <>
      <PageHeader
        title={id ? <>Edit {opened.name}</> : "New flow"}
        subtitle={
          dirty ? (
            <span class="dirty-dot">● Unsaved changes</span>
          ) : justSaved ? (
            <span role="status">Saved as version {justSaved}.</span>
          ) : id ? (
            `Version ${saved.version}`
          ) : (
            "Write the flow in YAML; it is checked as you type."
          )
        }
      >
        <button type="button" onClick={leave}>
          {id ? (dirty ? "Cancel" : "View flow") : "Cancel"}
        </button>
        <button type="button" class="primary" disabled={saving} onClick={() => void save()} title="Ctrl+S / ⌘S">
          {saving ? "Saving…" : id ? "Save" : "Create flow"}
        </button>
      </PageHeader>
      {conflict && (
        <ConflictPanel
          conflict={conflict}
          mine={text}
          saving={saving}
          onOverwrite={() => void save(conflict.etag)}
          onLoadTheirs={() => loadTheirs(conflict)}
        />
      )}
      <ErrorBox error={saveError} title="The flow was not saved" />
      <div class="editor-layout">
        <div>
          <div class="editor-frame">
            <YamlEditor
              initial={opened.content}
              schema={schema}
              onChange={setText}
              onSave={() => void saveRef.current()}
              handle={(handle) => (editor.current = handle)}
            />
            <EditorStatus validated={validated} current={current !== null} />
          </div>
          {validated?.result && (
            <FindingsList
              errors={validated.result.errors}
              warnings={validated.result.warnings}
              onJump={(issue) => editor.current?.jumpTo(issue.line, issue.column)}
            />
          )}
        </div>
        <EditorPreview validated={validated} />
      </div>
    </>
  );
}

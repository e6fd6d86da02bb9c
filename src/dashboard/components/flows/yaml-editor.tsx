/**
 * The flow's YAML in CodeMirror 6: highlighting, completion and hover help from the account's flow JSON
 * Schema, and the server's findings as lint marks. The editor owns its text; the page hears every
 * change and drives it through the handle (jump to a line, replace the text, show findings).
 *
 * CodeMirror styles itself at run time. In the document it would add <style> elements, which the CSP
 * (`style-src 'self'`) refuses; inside a shadow root it uses constructed style sheets, which the CSP
 * allows. So the editor lives in a shadow root and is styled by its theme below, not by a CSS file.
 */
import { yaml, yamlLanguage } from "@codemirror/lang-yaml";
import { lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { hoverTooltip, keymap } from "@codemirror/view";
import { basicSetup, EditorView } from "codemirror";
import { stateExtensions, updateSchema } from "codemirror-json-schema";
import { yamlCompletion, yamlSchemaHover } from "codemirror-json-schema/yaml";
import { useEffect, useRef } from "preact/hooks";
import { offsetOf } from "./issue-diagnostics";

/** A JSON Schema as codemirror-json-schema takes it. */
export type EditorSchema = NonNullable<Parameters<typeof updateSchema>[1]>;

export interface EditorHandle {
  text: () => string;
  /** Puts the cursor at a 1-based line and column, scrolled into view, and focuses the editor. */
  jumpTo: (line: number, column: number) => void;
  /** Replaces the whole text (undoable). */
  replace: (text: string) => void;
  /** Shows `diagnostics` if the editor still holds `forText` (a late answer for older text is dropped). */
  showDiagnostics: (forText: string, diagnostics: (view: EditorView) => Diagnostic[]) => void;
}

export interface YamlEditorProps {
  initial: string;
  schema: EditorSchema | null;
  onChange: (text: string) => void;
  onSave: () => void;
  handle: (handle: EditorHandle | null) => void;
}

const theme = EditorView.theme({
  "&": { height: "62vh", fontSize: "13px", backgroundColor: "#fff" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.5" },
  ".cm-gutters": { backgroundColor: "#f6f8fa", borderRight: "1px solid var(--border)", color: "#8a94a3" },
  ".cm-tooltip": { fontFamily: "system-ui, sans-serif", fontSize: "12.5px", maxWidth: "480px" },
  ".cm-tooltip code": { fontFamily: "var(--mono)" },
  ".cm-tooltip-hover, .cm-tooltip-lint": { padding: "4px 8px" },
});

export function YamlEditor({ initial, schema, onChange, onSave, handle }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The latest callbacks, read by the editor's listeners, which are made once.
  const callbacks = useRef({ onChange, onSave });
  callbacks.current = { onChange, onSave };

  useEffect(() => {
    const root = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: "open" });
    const editor = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: initial,
        extensions: [
          keymap.of([{ key: "Mod-s", preventDefault: true, run: () => (callbacks.current.onSave(), true) }]),
          basicSetup,
          yaml(),
          yamlLanguage.data.of({ autocomplete: yamlCompletion() }),
          hoverTooltip(yamlSchemaHover()),
          stateExtensions(),
          lintGutter(),
          theme,
          EditorState.tabSize.of(2),
          EditorView.contentAttributes.of({ "aria-label": "Flow YAML", spellcheck: "false" }),
          EditorView.updateListener.of((update) => update.docChanged && callbacks.current.onChange(update.state.doc.toString())),
        ],
      }),
    });
    view.current = editor;
    handle({
      text: () => editor.state.doc.toString(),
      jumpTo: (line, column) => {
        const at = offsetOf(editor.state.doc, line, column);
        editor.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: "center" }) });
        editor.focus();
      },
      replace: (text) => editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } }),
      showDiagnostics: (forText, diagnostics) => {
        if (editor.state.doc.toString() !== forText) return;
        editor.dispatch(setDiagnostics(editor.state, diagnostics(editor)));
      },
    });
    return () => {
      handle(null);
      editor.destroy();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    if (view.current && schema) updateSchema(view.current, schema);
  }, [schema]);

  return <div class="editor-host" ref={host} />;
}

/**
 * Edits a flow's YAML `metadata`, keeping the rest of the document as written (comments, quoting,
 * order). The YAML is the authority for a flow's name, description, tags, category and status, so
 * an API call that changes one of them changes the YAML.
 */
import { isMap, parseDocument, type YAMLMap } from "yaml";

/** A value to write into `metadata`; null removes the key. */
export type MetadataChanges = Partial<Record<"name" | "tags" | "category" | "status", string | string[] | null>>;

/** `source` (a flow that parsed) with `changes` applied to its `metadata` mapping, created when missing. */
export function withMetadata(source: string, changes: MetadataChanges): string {
  const doc = parseDocument(source, { uniqueKeys: false, merge: true, prettyErrors: false, logLevel: "error" });
  if (doc.errors.length > 0 || !isMap(doc.contents)) throw new Error("withMetadata needs a flow document that parses");
  // A flow named only through the API has no metadata yet: it goes first, where readers look for it.
  const root: YAMLMap = doc.contents;
  if (!root.has("metadata")) root.items.unshift(doc.createPair("metadata", {}));
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (value === null) doc.deleteIn(["metadata", key]);
    else doc.setIn(["metadata", key], doc.createNode(value, { flow: Array.isArray(value) }));
  }
  // No line width: long scalars stay on their line instead of being folded.
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

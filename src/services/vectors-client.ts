/**
 * The VectorCollection port over an embedded collection's object (src/objects/vectors/): what
 * `ctx.vectors` hands a node for the default store. Metadata and filters cross as JSON text.
 */
import { NodeError } from "../engine/outcome";
import type { JsonObject } from "../lib/json";
import { encodeValue } from "../nodes/capabilities/kv";
import { checkCollection, type VectorChunk, type VectorCollection } from "../nodes/capabilities/vectors";
import { unwrap } from "./store-client";
import type { VectorsRpc } from "./vectors-rpc";

/** `rpc()` reaches the collection's object; it is called once, on first use. */
export function remoteVectorCollection(collection: string, rpc: () => VectorsRpc): VectorCollection {
  checkCollection(collection);
  let stub: VectorsRpc | undefined;
  const object = () => (stub ??= rpc());
  return {
    async upsertDocument(documentId, chunks) {
      const wire = Array.isArray(chunks)
        ? chunks.map((chunk) => ({
            id: chunk.id,
            text: chunk.text,
            vector: wireVector(chunk.vector),
            metadata: metadataText(chunk),
          }))
        : [];
      return unwrap(await object().upsert(documentId, wire));
    },
    async query(query) {
      const matches = unwrap(
        await object().query({
          vector: query.vector === undefined ? null : [...query.vector],
          text: query.text ?? null,
          k: query.k ?? null,
          minScore: query.minScore ?? null,
          filter: query.filter === undefined ? null : JSON.stringify(query.filter),
          mode: query.mode ?? null,
        }),
      );
      return matches.map((match) => ({ ...match, metadata: JSON.parse(match.metadata) as JsonObject }));
    },
    async delete(target) {
      return unwrap(
        "documentId" in target
          ? await object().remove(target.documentId, null)
          : await object().remove(null, JSON.stringify(target.filter ?? {})),
      );
    },
    async stats() {
      return unwrap(await object().stats());
    },
  };
}

/** A vector as 32-bit floats; anything but a list of numbers goes as an empty one, which the store refuses. */
function wireVector(vector: readonly number[] | undefined): Float32Array {
  return Array.isArray(vector) && vector.every((x) => typeof x === "number") ? Float32Array.from(vector) : new Float32Array(0);
}

/** The metadata as JSON text; what JSON cannot hold (NaN, a BigInt) fails here as the object would fail it. */
function metadataText(chunk: VectorChunk): string {
  try {
    return encodeValue(chunk.metadata ?? {});
  } catch {
    throw new NodeError("invalid_chunk", `The metadata of chunk '${String(chunk.id)}' cannot be stored as JSON`, null, false);
  }
}

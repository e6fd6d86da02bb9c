/**
 * `rag` ingest: documents checked, chunked (chunker.ts) and embedded, all before the first write, so a
 * bad document or a failed embeddings call writes nothing; then each document replaces its chunks
 * at once (VectorCollection.upsertDocument), which keeps its previous chunks if the write fails.
 */
import { NodeError } from "../../engine/outcome";
import type { JsonObject } from "../../lib/json";
import { utf8 } from "../../lib/encoding";
import { MAX_CHUNKS_PER_DOCUMENT, MAX_ID_BYTES, type VectorChunk, type VectorCollection } from "../capabilities/vectors";
import { embed, type EmbedContext } from "../llm/embed";
import type { ChatConnection } from "../llm/chat";
import { chunkText, type ChunkOptions } from "./chunker";

/** UTF-8 bytes of one document's text: a thousand chunks of 1,000 characters. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** A chunk's id is its document's id, '#', its index: room kept for the suffix. */
const MAX_RAG_DOCUMENT_ID_BYTES = MAX_ID_BYTES - 8;

export interface RagDocument {
  id: string;
  text: string;
  metadata?: JsonObject | undefined;
}

export interface Embedding {
  connection: Omit<ChatConnection, "model">;
  model: string;
  dimensions?: number | undefined;
}

export interface IngestResult {
  documents: number;
  chunks: number;
  /** Chunks the documents had before, now gone. */
  replaced: number;
  ids: string[];
  model: string;
  dimensions: number;
}

const invalid = (code: string, message: string, details: JsonObject | null = null) => new NodeError(code, message, details, false);

export async function ingest(
  ctx: EmbedContext,
  collection: VectorCollection,
  documents: readonly RagDocument[],
  chunking: ChunkOptions,
  embedding: Embedding,
): Promise<IngestResult> {
  const planned = plan(documents, chunking);
  const texts = planned.flatMap((doc) => doc.chunks);
  const { vectors, model } = await embed(ctx, embedding.connection, {
    input: texts,
    model: embedding.model,
    dimensions: embedding.dimensions,
  });
  let next = 0;
  const result: IngestResult = { documents: 0, chunks: 0, replaced: 0, ids: [], model, dimensions: vectors[0]?.length ?? 0 };
  for (const doc of planned) {
    const chunks: VectorChunk[] = doc.chunks.map((text, i) => ({
      id: `${doc.id}#${i}`,
      text,
      vector: vectors[next + i]!,
      metadata: doc.metadata,
    }));
    next += chunks.length;
    const written = await collection.upsertDocument(doc.id, chunks);
    result.documents++;
    result.chunks += written.chunks;
    result.replaced += written.replaced;
    result.ids.push(doc.id);
  }
  return result;
}

/** Every document checked and chunked, or the first problem as a NodeError. */
function plan(documents: readonly RagDocument[], chunking: ChunkOptions): { id: string; chunks: string[]; metadata: JsonObject }[] {
  const seen = new Set<string>();
  return documents.map((doc) => {
    if (utf8(doc.id).byteLength > MAX_RAG_DOCUMENT_ID_BYTES) {
      throw invalid("invalid_document_id", `A document id is at most ${MAX_RAG_DOCUMENT_ID_BYTES} bytes of UTF-8`);
    }
    if (seen.has(doc.id)) throw invalid("invalid_document", `The document id '${doc.id}' appears twice`);
    seen.add(doc.id);
    if (doc.text.trim() === "") throw invalid("invalid_document", `Document '${doc.id}' has no text`);
    const bytes = utf8(doc.text).byteLength;
    if (bytes > MAX_DOCUMENT_BYTES) {
      throw invalid("document_too_large", `Document '${doc.id}' has ${bytes} bytes of text; a document has at most ${MAX_DOCUMENT_BYTES}`, {
        document_id: doc.id,
        max_bytes: MAX_DOCUMENT_BYTES,
      });
    }
    const chunks = chunkText(doc.text, chunking).map((chunk) => chunk.text);
    if (chunks.length > MAX_CHUNKS_PER_DOCUMENT) {
      throw invalid(
        "document_too_large",
        `Document '${doc.id}' makes ${chunks.length} chunks; a document has at most ${MAX_CHUNKS_PER_DOCUMENT} (raise chunk_size, or split it)`,
        { document_id: doc.id, chunks: chunks.length, max_chunks: MAX_CHUNKS_PER_DOCUMENT },
      );
    }
    return { id: doc.id, chunks, metadata: doc.metadata ?? {} };
  });
}

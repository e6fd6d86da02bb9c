/**
 * What an embedded vector collection (one object per account and collection, src/objects/vectors/)
 * answers over RPC. Metadata and filters cross as JSON text; failures come back as data, since an
 * error thrown across the boundary loses its code.
 */
import type { VectorStats } from "../nodes/capabilities/vectors";
import type { StoreAnswer } from "./store-rpc";

export interface WireChunk {
  id: string;
  text: string;
  /**
   * 32-bit floats, what the store keeps: half the size of a list of numbers on the wire, where a
   * document of 1,000 chunks of 1,536 dimensions would otherwise take 12 MB of the RPC's 32 MiB.
   */
  vector: Float32Array;
  /** The metadata's JSON text. */
  metadata: string;
}

export interface WireQuery {
  vector: number[] | null;
  text: string | null;
  k: number | null;
  minScore: number | null;
  /** The filter as JSON text, or null for none. */
  filter: string | null;
  mode: string | null;
}

export interface WireMatch {
  id: string;
  document_id: string;
  text: string;
  score: number;
  metadata: string;
}

export interface VectorsRpc {
  upsert(documentId: string, chunks: WireChunk[]): Promise<StoreAnswer<{ chunks: number; replaced: number }>>;
  query(query: WireQuery): Promise<StoreAnswer<WireMatch[]>>;
  /** By document id, or (when it is null) by the filter's JSON text. */
  remove(documentId: string | null, filter: string | null): Promise<StoreAnswer<{ documents: number; chunks: number }>>;
  stats(): Promise<StoreAnswer<VectorStats>>;
}

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../env";
import { DEFAULT_VECTOR_LIMITS, type VectorStats } from "../../nodes/capabilities/vectors";
import type { StoreAnswer } from "../../services/store-rpc";
import type { VectorsRpc, WireChunk, WireMatch, WireQuery } from "../../services/vectors-rpc";
import { answer } from "../store/core";
import { VectorCore } from "./core";

/**
 * One embedded vector collection: an account's, by name (`<account id>:<collection>`). A thin adapter
 * over VectorCore, whose synchronous calls make every write atomic.
 */
export class VectorObject extends DurableObject<Env> implements VectorsRpc {
  private readonly core: VectorCore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.core = new VectorCore(ctx.storage.sql, (work) => ctx.storage.transactionSync(work), DEFAULT_VECTOR_LIMITS);
  }

  async upsert(documentId: string, chunks: WireChunk[]): Promise<StoreAnswer<{ chunks: number; replaced: number }>> {
    return answer(() => this.core.upsert(documentId, chunks));
  }

  async query(query: WireQuery): Promise<StoreAnswer<WireMatch[]>> {
    return answer(() => this.core.query(query));
  }

  async remove(documentId: string | null, filter: string | null): Promise<StoreAnswer<{ documents: number; chunks: number }>> {
    return answer(() => this.core.remove(documentId, filter));
  }

  async stats(): Promise<StoreAnswer<VectorStats>> {
    return answer(() => this.core.stats());
  }
}

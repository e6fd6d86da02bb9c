import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../env";
import { DEFAULT_LIMITS, REQUEST_ID_WINDOW_MS, type KeyValuePage } from "../../nodes/capabilities/kv";
import type { StoreAnswer, StoredEntry, StoreQueryPage, StoreQueryRequest, StoreRpc } from "../../services/store-rpc";
import { answer, StoreCore } from "./core";

/**
 * One key-value store: an account's namespace (named `<account id>:<namespace>`). A thin adapter over
 * StoreCore, whose synchronous calls make every operation atomic; its alarm sweeps expired keys.
 */
export class StoreObject extends DurableObject<Env> implements StoreRpc {
  private readonly core: StoreCore;
  /** When the alarm is set for; undefined until read from storage. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.core = new StoreCore(ctx.storage.sql, () => Date.now(), DEFAULT_LIMITS);
  }

  async get(key: string): Promise<StoreAnswer<StoredEntry | null>> {
    return answer(() => this.core.get(key));
  }

  async set(
    key: string,
    json: string,
    ttlMs: number | null,
    ifVersion: number | null,
    requestId: string | null,
  ): Promise<StoreAnswer<number>> {
    const result = answer(() => this.core.set(key, json, ttlMs, ifVersion, requestId));
    if (result.ok && ttlMs !== null) await this.sweepBy(Date.now() + ttlMs);
    return this.remembered(result, requestId);
  }

  async delete(key: string, requestId: string | null): Promise<StoreAnswer<boolean>> {
    return this.remembered(
      answer(() => this.core.delete(key, requestId)),
      requestId,
    );
  }

  async list(prefix: string, cursor: string | null, limit: number | null): Promise<StoreAnswer<KeyValuePage>> {
    return answer(() => this.core.list(prefix, cursor, limit));
  }

  async query(request: StoreQueryRequest): Promise<StoreAnswer<StoreQueryPage>> {
    return answer(() => this.core.query(request));
  }

  async increment(key: string, by: number, requestId: string | null): Promise<StoreAnswer<number>> {
    return this.remembered(
      answer(() => this.core.increment(key, by, requestId)),
      requestId,
    );
  }

  async append(key: string, json: string, requestId: string | null): Promise<StoreAnswer<number>> {
    return this.remembered(
      answer(() => this.core.append(key, json, requestId)),
      requestId,
    );
  }

  override async alarm(): Promise<void> {
    const more = this.core.sweep();
    const next = more ? Date.now() : this.core.nextExpiry();
    this.alarmAt = next;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** A write with a request id leaves a record the alarm forgets after REQUEST_ID_WINDOW_MS. */
  private async remembered<T>(result: StoreAnswer<T>, requestId: string | null): Promise<StoreAnswer<T>> {
    if (result.ok && requestId !== null) await this.sweepBy(Date.now() + REQUEST_ID_WINDOW_MS);
    return result;
  }

  /** Makes sure the alarm fires by `at`, when a key set now expires. */
  private async sweepBy(at: number): Promise<void> {
    this.alarmAt ??= await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}

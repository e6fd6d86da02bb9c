import type { EngineHost } from "./host";
import type { ExecutionState, ExecutionStatus } from "./types";
import { asError, log } from "../lib/log";

/**
 * The run's summary row in the account's index, written at status changes only. Writes go one at a
 * time, in order, and each takes the state as it is when it starts, so the row never goes back to
 * an older status. The first write waits until everything recorded so far is durable, so the index
 * never lists a run that a crash could lose.
 */
export class SummaryIndex {
  private tail: Promise<void> = Promise.resolve();
  /** Whether this engine has queued a write; the first one flushes first. */
  private queued = false;
  /**
   * The run resumed and its row still says it waits. It is listed as running when it first has to
   * wait for the network or yields: one that finishes or waits again before then costs one write
   * instead of two, and its steps do not wait for either.
   */
  private resumedUnindexed = false;

  constructor(
    private readonly host: EngineHost,
    private readonly state: () => ExecutionState,
  ) {}

  /** Queues a write and resolves once it, and every write queued before, is done. Never rejects. */
  write(): Promise<void> {
    this.queue();
    return this.tail;
  }

  /**
   * Writes the row unless a status change already queued a write; resolves once every write
   * queued so far is done.
   */
  start(): Promise<void> {
    return this.queued ? this.tail : this.write();
  }

  /** Resolves once every write queued so far is done, queueing none. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Queues the `running` row a resumed run still owes, if it does; the caller need not wait for it. */
  catchUp(): void {
    if (this.resumedUnindexed) this.queue();
  }

  /** Records a status change (the row follows now, or for `running` when it must: see resumedUnindexed). */
  async statusChanged(status: ExecutionStatus): Promise<void> {
    if (status === "running") this.resumedUnindexed = true;
    else await this.write();
  }

  private queue(): void {
    this.resumedUnindexed = false;
    const flushFirst = !this.queued;
    this.queued = true;
    this.tail = this.tail.then(async () => {
      try {
        if (flushFirst) await this.host.store.flush();
        await this.host.onTransition(this.state());
      } catch (error) {
        // The summary row is an index: the run goes on, and the next transition rewrites it.
        log.error("execution summary write failed", { execution_id: this.state().id, error: asError(error) });
      }
    });
  }
}

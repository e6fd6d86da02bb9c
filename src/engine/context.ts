import type { JsonValue } from "../lib/json";
import { predecessorCounts } from "./graph";
import type { EngineHost } from "./host";
import { SummaryIndex } from "./summary";
import type { ExecutionState, Token, TokenPosition } from "./types";

export interface EngineOptions {
  /** Steps run in one invocation before the object yields through its alarm. */
  stepBudget: number;
  /** Branches that run at the same time inside one execution. */
  maxConcurrency: number;
}

export const DEFAULT_OPTIONS: EngineOptions = { stepBudget: 1_000, maxConcurrency: 16 };

/**
 * What the parts of one engine share: the host, the run as last loaded or changed, caches of what
 * the store holds, and the attempts in flight. Everything durable lives in the store; what is here
 * can be rebuilt from it (a new engine over the same store resumes).
 */
export class EngineContext {
  private state: ExecutionState | null = null;
  private resultsCache: Record<string, JsonValue> | null = null;
  private joinCounts: Map<string, number> | null = null;
  /** Abort controllers of the attempts in flight, by token id. */
  readonly inflight = new Map<number, AbortController>();
  /** Callers of settled() waiting for the run to be final. */
  readonly waiters = new Set<() => void>();
  /** Set when ready work appeared during a drive: the run loop drives again. */
  again = false;
  readonly index: SummaryIndex;

  constructor(
    readonly host: EngineHost,
    readonly options: EngineOptions,
  ) {
    this.index = new SummaryIndex(host, () => this.run());
  }

  /** The run, or null before start. */
  current(): ExecutionState | null {
    this.state ??= this.host.store.load();
    return this.state;
  }

  /** The run, for code that only runs once it exists. */
  run(): ExecutionState {
    const state = this.current();
    if (!state) throw new Error("The execution has not started");
    return state;
  }

  adopt(state: ExecutionState): void {
    this.state = state;
  }

  /** The latest output of every node that finished (the scope's `results`). */
  results(): Record<string, JsonValue> {
    this.resultsCache ??= this.host.store.results();
    return this.resultsCache;
  }

  setResult(nodeId: string, output: JsonValue): void {
    this.results()[nodeId] = output;
    this.host.store.setResult(nodeId, output);
  }

  /** Number of distinct predecessors of each node (joins have more than one); the flow never changes. */
  predecessors(): Map<string, number> {
    this.joinCounts ??= predecessorCounts(this.run().flow);
    return this.joinCounts;
  }

  /** Writes the token at its new position and returns it. */
  move(token: Token, position: TokenPosition, change: Partial<Pick<Token, "attempt" | "step_seq">> = {}): Token {
    const moved: Token = { ...token, ...change, ...position };
    this.host.store.updateToken(moved);
    return moved;
  }

  isoNow(): string {
    return new Date(this.host.now()).toISOString();
  }
}

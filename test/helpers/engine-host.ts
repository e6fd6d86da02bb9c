/**
 * A fake EngineHost for running the engine on its own: a clock the test moves, the alarm as a
 * number, summaries, ephemeral events and cancelled children recorded for assertions. What the
 * host does with steps and children is handed in (see run-flow.ts).
 */
import type { ChildRequest, ChildResult, EngineHost, StepRequest } from "../../src/engine/host";
import type { NodeOutcome } from "../../src/engine/outcome";
import type { ExecutionStore } from "../../src/engine/store";
import type { ExecutionState, Token } from "../../src/engine/types";
import type { JsonValue } from "../../src/lib/json";

/** Time as the engine sees it: moves only when the test moves it. */
export class FakeClock {
  constructor(private ms = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = Math.max(this.ms, ms);
  }
}

export interface EphemeralEvent {
  type: string;
  node_id: string;
  at: string;
  data: JsonValue;
}

export interface FakeHostParts {
  store: ExecutionStore;
  clock: FakeClock;
  random: () => number;
  runStep(request: StepRequest): Promise<NodeOutcome>;
  spawnChild(state: ExecutionState, token: Token, request: ChildRequest & { wait: boolean }): Promise<string>;
  runChild(state: ExecutionState, token: Token, key: string, request: ChildRequest, signal: AbortSignal): Promise<ChildResult>;
  cancelChild(id: string): Promise<void>;
  notifyParent(state: ExecutionState): Promise<void>;
}

export class FakeHost implements EngineHost {
  readonly store: ExecutionStore;
  /** When the alarm is armed, or null. */
  alarm: number | null = null;
  /** The summary rows written, in order (copies of the state then). */
  readonly summaries: ExecutionState[] = [];
  readonly ephemeral: EphemeralEvent[] = [];
  /** A host whose object crashed: whatever its engine still does reaches nobody. */
  dead = false;
  /** Whether a live watcher is "connected" (StepRequest.watched). */
  watching = false;

  constructor(private readonly parts: FakeHostParts) {
    this.store = parts.store;
  }

  runStep(request: StepRequest): Promise<NodeOutcome> {
    return this.parts.runStep(request);
  }

  async onTransition(state: ExecutionState): Promise<void> {
    if (!this.dead) this.summaries.push(structuredClone(state));
  }

  spawnChild(state: ExecutionState, token: Token, request: ChildRequest & { wait: boolean }): Promise<string> {
    return this.parts.spawnChild(state, token, request);
  }

  runChild(state: ExecutionState, token: Token, key: string, request: ChildRequest, signal: AbortSignal): Promise<ChildResult> {
    return this.parts.runChild(state, token, key, request, signal);
  }

  async cancelChild(id: string): Promise<void> {
    if (!this.dead) await this.parts.cancelChild(id);
  }

  async notifyParent(state: ExecutionState): Promise<void> {
    if (!this.dead) await this.parts.notifyParent(state);
  }

  broadcast(type: string, nodeId: string, data: JsonValue): void {
    if (!this.dead) this.ephemeral.push({ type, node_id: nodeId, at: new Date(this.now()).toISOString(), data });
  }

  watched(): boolean {
    return this.watching && !this.dead;
  }

  async setAlarm(at: number | null): Promise<void> {
    if (!this.dead) this.alarm = at;
  }

  now(): number {
    return this.parts.clock.now();
  }

  random(): number {
    return this.parts.random();
  }
}

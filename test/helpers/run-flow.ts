/**
 * runFlow: a flow's YAML validated by the real flow language, run by the real engine over an
 * in-memory store, each step through the real node lifecycle and a real QuickJS sandbox, with a
 * fake host and clock. No Workers pool: it runs on Node and on Deno (test/deno/smoke.ts).
 */
import { ExecutionEngine, type EngineOptions, type StartRequest } from "../../src/engine/engine";
import type { ChildRequest, ChildResult, StepRequest } from "../../src/engine/host";
import { MemoryExecutionStore } from "../../src/engine/memory-store";
import { NodeError, type NodeOutcome } from "../../src/engine/outcome";
import { isFinal, type ExecutionEvent, type ExecutionState, type ParentRef, type StepRecord, type Token } from "../../src/engine/types";
import { validateFlowMemo } from "../../src/flow";
import type { JsonValue } from "../../src/lib/json";
import { runNode } from "../../src/nodes/lifecycle";
import { secretVault } from "./step-request";
import type { Sandbox } from "../../src/sandbox/types";
import { FakeClock, FakeHost, type EphemeralEvent } from "./engine-host";

/** Stands in for the node lifecycle at one node: the engine's side of the contract is what is tested. */
export type StepDouble = (request: StepRequest) => Promise<NodeOutcome>;

export interface RunFlowOptions {
  /** Doubles by node id; other nodes run through the real lifecycle. */
  steps?: Record<string, StepDouble>;
  /** How the sandbox is built (default: QuickJS loaded the Node way). */
  sandbox?: () => Promise<Sandbox>;
  fetch?: typeof fetch;
  secrets?: Record<string, JsonValue>;
  /** The retry jitter's randomness (default 0.5). */
  random?: () => number;
  clock?: FakeClock;
  /** Flows that `flow` nodes and runChild can start, by id (YAML). */
  flows?: Record<string, string>;
  engine?: Partial<EngineOptions>;
  /** Fire due timers by moving the clock to the alarm (default true); false stops at the first wait. */
  advance?: boolean;
  start?: Partial<Pick<StartRequest, "step_limit" | "start_node" | "results" | "depth" | "parent">>;
  id?: string;
  /** Called with each stored event as the store writes it. */
  onEvent?: (event: ExecutionEvent) => void;
}

export interface FlowResult {
  state: ExecutionState;
  steps: StepRecord[];
  events: ExecutionEvent[];
  ephemeral: EphemeralEvent[];
}

/** Runs the flow until it is final, or waits with nothing to advance to; returns how it ended. */
export async function runFlow(
  yaml: string,
  input: JsonValue,
  options: RunFlowOptions = {},
): Promise<FlowResult & { harness: FlowHarness }> {
  const harness = await FlowHarness.start(yaml, input, options);
  await harness.settle();
  return { ...harness.result(), harness };
}

/** One run under test, for tests that interact with it (events, crashes, the clock). */
export class FlowHarness {
  store: MemoryExecutionStore;
  host: FakeHost;
  engine: ExecutionEngine;
  readonly clock: FakeClock;
  private readonly children = new Map<string, FlowHarness>();
  private background: Promise<void>[] = [];
  /** The parent's engine, told when this run (a `flow` node's child) ends. */
  private parentEngine: (() => ExecutionEngine) | null = null;

  private constructor(
    private readonly options: RunFlowOptions,
    clock: FakeClock,
  ) {
    this.clock = clock;
    this.store = new MemoryExecutionStore({ now: () => clock.now(), ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
    this.host = this.newHost(this.store);
    this.engine = new ExecutionEngine(this.host, options.engine);
  }

  static async start(yaml: string, input: JsonValue, options: RunFlowOptions = {}): Promise<FlowHarness> {
    const validated = validateFlowMemo(yaml);
    if (!validated.flow) throw new Error(`invalid flow: ${JSON.stringify(validated.errors)}`);
    const harness = new FlowHarness(options, options.clock ?? new FakeClock());
    await harness.engine.start({
      id: options.id ?? "exe_test",
      account_id: "acct_test",
      flow_id: "flow_test",
      flow_version: 1,
      flow: validated.flow,
      input,
      trigger: "test",
      ...options.start,
    });
    await harness.engine.indexStart();
    return harness;
  }

  /** Drives until final; with `advance`, fires each alarm by moving the clock to it. */
  async settle(advance = this.options.advance ?? true): Promise<ExecutionState> {
    for (let round = 0; round < 100_000; round++) {
      await this.engine.run();
      await this.drainBackground();
      const state = this.engine.current()!;
      if (isFinal(state.status) || !advance || this.host.alarm === null) return state;
      this.clock.set(this.host.alarm);
      await this.engine.onAlarm();
    }
    throw new Error("the run did not settle");
  }

  /** Moves the clock and fires the alarm if it is due by then. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    if (this.host.alarm !== null && this.host.alarm <= this.clock.now()) await this.engine.onAlarm();
    await this.drainBackground();
  }

  /**
   * The object dies: a new engine and host over what the store had made durable (the old engine's
   * attempts are abandoned and reach nobody). The run then resumes as after a restart (settle()).
   */
  async crash(): Promise<void> {
    const old = { engine: this.engine, host: this.host };
    old.host.dead = true;
    this.store = this.store.crash();
    this.host = this.newHost(this.store);
    this.engine = new ExecutionEngine(this.host, this.options.engine);
    // Abort the abandoned attempts so nothing of theirs keeps running; what they write goes nowhere.
    await old.engine.cancel("The object crashed");
  }

  result(): FlowResult {
    return {
      state: this.engine.current()!,
      steps: this.store.steps({ limit: 1_000_000 }),
      events: this.store.events({ limit: 1_000_000 }),
      ephemeral: [...this.host.ephemeral],
    };
  }

  private async drainBackground(): Promise<void> {
    while (this.background.length > 0) {
      const pending = this.background;
      this.background = [];
      await Promise.all(pending);
    }
  }

  private newHost(store: MemoryExecutionStore): FakeHost {
    const { options } = this;
    const secrets = options.secrets ?? {};
    const sandbox = options.sandbox ?? (async () => (await import("./quickjs-node")).getNodeSandbox());
    return new FakeHost({
      store,
      clock: this.clock,
      random: options.random ?? (() => 0.5),
      runStep: (request) => {
        const double = options.steps?.[request.token.node_id];
        if (double) return double(request);
        return runNode(request, {
          fetch: options.fetch ?? ((input, init) => fetch(input, init)),
          // The tests' servers listen on 127.0.0.1, as under local development.
          privateNetwork: "allow",
          sandbox,
          secrets: secretVault(secrets),
        });
      },
      spawnChild: async (state, token, request) => {
        const id = `${state.id}:child:${token.id}:${token.attempt}`;
        const parent: ParentRef | null = request.wait ? { execution_id: state.id, token_id: token.id } : null;
        const child = await this.child(id, state, request, parent);
        this.background.push(child.settle().then(() => undefined));
        return id;
      },
      runChild: (state, token, key, request, signal) => this.runChild(state, token, key, request, signal),
      cancelChild: async (id) => {
        await this.children.get(id)?.engine.cancel();
      },
      notifyParent: async (state) => {
        if (!state.parent || !this.parentEngine) return;
        await this.parentEngine().childFinished(state.parent.token_id, childResult(state));
      },
    });
  }

  private async child(id: string, parentState: ExecutionState, request: ChildRequest, parent: ParentRef | null): Promise<FlowHarness> {
    const existing = this.children.get(id);
    if (existing) return existing;
    const yaml = this.options.flows?.[request.flowId];
    if (yaml === undefined) throw new NodeError("flow_not_found", `No flow '${request.flowId}' in this account`, null, false);
    const { steps: _doubles, start: _start, id: _id, ...inherited } = this.options;
    const child = await FlowHarness.start(yaml, request.input, {
      ...inherited,
      clock: this.clock,
      id,
      start: { parent, depth: (parentState.depth ?? 0) + 1 },
    });
    child.parentEngine = () => this.engine;
    this.children.set(id, child);
    return child;
  }

  private async runChild(
    state: ExecutionState,
    token: Token,
    key: string,
    request: ChildRequest,
    signal: AbortSignal,
  ): Promise<ChildResult> {
    const child = await this.child(`${state.id}:child:${token.id}:step:${key}`, state, request, null);
    const aborted = new Promise<never>((_, reject) => {
      const stop = () => {
        if (signal.reason instanceof NodeError && signal.reason.code === "cancelled")
          this.background.push(child.engine.cancel().then(() => undefined));
        reject(signal.reason);
      };
      if (signal.aborted) stop();
      else signal.addEventListener("abort", stop, { once: true });
    });
    return childResult(await Promise.race([child.settle(), aborted]));
  }
}

function childResult(state: ExecutionState): ChildResult {
  return {
    status: state.status === "completed" ? "completed" : state.status === "cancelled" ? "cancelled" : "failed",
    output: state.output,
    error: state.error ? { code: state.error.code, message: state.error.message } : null,
  };
}

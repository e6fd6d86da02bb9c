import type { EventWaitResult, LogLevel, NodeOutcome } from "../engine/outcome";
import type { Usage } from "../engine/usage";
import type { NodeTypeSpec } from "../flow/node-types/spec";
import type { JsonValue } from "../lib/json";
import type { Sandbox } from "../sandbox";
import type { EmailBinding } from "./capabilities/email";
import type { NodeFlows } from "./capabilities/flows";
import type { HttpClient } from "./capabilities/http";
import type { KeyValueStore } from "./capabilities/kv";
import type { PostgresNetwork } from "./capabilities/postgres";
import type { NodeSchedules } from "./capabilities/schedules";
import type { Connect } from "./capabilities/socket";
import type { VectorStores } from "./capabilities/vectors";

/**
 * What a node sees while it runs: plain data, and capabilities with web-standard shapes that the
 * host supplies (the execution object on Workers; in-memory ones in tests). Reference:
 * docs/node-context.md.
 */
export interface NodeContext<P = Record<string, unknown>> {
  executionId: string;
  flowId: string;
  accountId: string;
  nodeId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** `execution.id:node:visit:attempt`; stable across a crash-retry of the same attempt, new for a retry or a loop's next visit. */
  idempotencyKey: string;
  /**
   * `execution.id:node:visit`: the same for every attempt of this visit of the node (its retries, a
   * crash-restart), a new one when a loop in the flow brings the branch back to the node. The key for
   * a delivery that receivers deduplicate.
   */
  visitKey: string;
  /** Whether a retryable failure of this attempt will be retried (the node has a `retry:` policy with retries left). */
  retriesLeft: boolean;
  /** The index of the batch item this call handles; undefined outside a batch. */
  item: number | undefined;
  input: JsonValue;
  /** Params with templates evaluated, parsed by the type's schema, defaults applied. */
  params: P;
  /** Aborted when the node times out or the run ends. */
  signal: AbortSignal;
  /** Outbound HTTP: the one way a node reaches the network (timeouts, size cap, address policy). */
  http: HttpClient;
  /** A credential of the account's vault, for a node that needs one outside a template; redacted wherever it would appear. */
  secret(name: string): Promise<string>;
  /** The account's key-value store. */
  kv: KeyValueStore;
  /**
   * The account's vector collection by name, in the embedded store unless `options.store` says
   * `pgvector` (with a connection) or `vectorize` (the `rag` node's backing).
   */
  vectors: VectorStores;
  /** The account's schedules (the `cron` node). */
  schedules: NodeSchedules;
  /** The account's flows as tools, by id or name (the `agent` node's flow tools). */
  flows: NodeFlows;
  /** Pushes a live event to the run's watchers (not stored): token deltas, progress. False when dropped by the rate or size limit. */
  emit(type: string, data: JsonValue): boolean;
  /** Whether anyone watches the run live now (a WebSocket client): worth streaming progress to. */
  watched(): boolean;
  /**
   * Reports what this call consumed (model tokens...) as named counters, added to the step's record
   * and to the run's total. Report what was really spent: a memoized sub-step replayed spent nothing.
   */
  addUsage(usage: Usage): void;
  /**
   * A memoized sub-step: `fn` runs once and its result is kept in the run's storage, so a node that
   * makes many calls resumes after a crash, or on a retry, without repeating the calls that completed.
   * Names need not be unique: the n-th call of a name is a sub-step of its own.
   */
  step<T extends JsonValue>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Pauses the run until the event `name` is posted to it (`POST /executions/{id}/events/{name}`) or
   * `timeout` (ms) passes, then goes on from here: the node's visit runs again, its sub-steps replay,
   * and this call returns `{received: true, payload}` or `{received: false, timed_out: true}`. A
   * sub-step itself (the n-th wait of a name is its own); an event posted earlier is taken at once.
   * `data` is shown while the run waits. Not inside a batch.
   */
  waitForEvent(name: string, options?: WaitForEventOptions): Promise<EventWaitResult>;
  /** A TCP socket (SMTP, IMAP), under the same address policy as `http`. */
  connect: Connect;
  /** Cloudflare Email Service: the Worker's `send_email` binding EMAIL (`not_available` where there is none). */
  email: EmailBinding;
  /** How the `postgres` node reaches a database server (Neon directly, others through the operator's relay), under the same address policy. */
  postgres: PostgresNetwork;
  /** Runs another flow of the account as a child execution and resolves with its output (a sub-step: never started twice). */
  runFlow(flowId: string, input: JsonValue, options?: { version?: number }): Promise<JsonValue>;
  sandbox: Sandbox;
  /** The names scripts see (`input`, `results`, `shared`, `secrets`, `execution`, `params`). */
  scope(): Promise<Record<string, JsonValue>>;
  log(level: LogLevel, message: string, data?: JsonValue): void;
  /** The host's clock. */
  now(): number;
}

export interface WaitForEventOptions {
  /** Milliseconds to wait at most; the wait then returns `{received: false, timed_out: true}`. */
  timeout?: number;
  /** Shown while the run waits (the `step.waiting` event, the execution's `waiting_for`), redacted. */
  data?: JsonValue;
}

/** A runnable node type: its declaration and what it does. Build one with `defineNode`. */
export interface NodeType<P = Record<string, unknown>> {
  readonly spec: NodeTypeSpec<P>;
  /**
   * Whether this call would be seen outside the run (an HTTP call, an email; a transform is not).
   * Before such a call the engine makes the run's progress durable, so a crash never repeats a
   * completed step. An effect the receiver deduplicates by `idempotencyKey` (the `store` node's
   * writes) may answer false: its replay is harmless.
   */
  sideEffects(params: P): boolean;
  run(ctx: NodeContext<P>): Promise<NodeOutcome>;
}

/**
 * A streamed answer: the chunks put back together into the answer the same request gets whole, and
 * the text deltas forwarded live, paced to what the run's live events allow.
 */
import { NodeError } from "../../engine/outcome";
import { DEFAULT_EVENTS_PER_SECOND } from "../capabilities/emit";
import { chatResult, tokenUsage, type ChatResult, type RawChoice, type TokenUsage, type ToolCall } from "./result";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

interface PartialChoice extends Omit<RawChoice, "tool_calls"> {
  /** By the index the stream gives each call: its fragments arrive in pieces. */
  calls: Map<number, ToolCall>;
}

/** Puts chat completion chunks back together (OpenAI's streaming format). */
export class ChunkAccumulator {
  private id = "";
  private model = "";
  private usage: TokenUsage | null = null;
  private readonly choices = new Map<number, PartialChoice>();

  /** Adds a chunk; returns the text it adds to the first choice ("" when none), for live deltas. */
  add(chunk: unknown): string {
    if (!isObject(chunk)) return "";
    if (typeof chunk.id === "string" && chunk.id) this.id = chunk.id;
    if (typeof chunk.model === "string" && chunk.model) this.model = chunk.model;
    if (isObject(chunk.usage)) this.usage = tokenUsage(chunk.usage);
    let text = "";
    for (const raw of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if (!isObject(raw)) continue;
      const index = typeof raw.index === "number" ? raw.index : 0;
      const choice = this.choice(index);
      const delta = isObject(raw.delta) ? raw.delta : {};
      if (typeof delta.content === "string") {
        choice.content = (choice.content ?? "") + delta.content;
        if (index === 0) text += delta.content;
      }
      if (typeof delta.refusal === "string") choice.refusal = (choice.refusal ?? "") + delta.refusal;
      for (const fragment of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) this.addCall(choice, fragment);
      if (typeof raw.finish_reason === "string") choice.finish_reason = raw.finish_reason;
    }
    return text;
  }

  private choice(index: number): PartialChoice {
    let choice = this.choices.get(index);
    if (!choice) {
      choice = { index, content: null, refusal: null, calls: new Map(), finish_reason: null };
      this.choices.set(index, choice);
    }
    return choice;
  }

  private addCall(choice: PartialChoice, fragment: unknown): void {
    if (!isObject(fragment)) return;
    const index = typeof fragment.index === "number" ? fragment.index : choice.calls.size;
    let call = choice.calls.get(index);
    if (!call) {
      call = { id: "", type: "function", function: { name: "", arguments: "" } };
      choice.calls.set(index, call);
    }
    if (typeof fragment.id === "string") call.id = fragment.id;
    const fn = isObject(fragment.function) ? fragment.function : {};
    if (typeof fn.name === "string") call.function.name += fn.name;
    if (typeof fn.arguments === "string") call.function.arguments += fn.arguments;
  }

  /**
   * The answer. A stream that ended before any choice said why it finished was cut off (the
   * connection closed cleanly but early): that fails, retryably, rather than pass a partial answer on.
   */
  result(): ChatResult {
    const choices = [...this.choices.values()];
    if (choices.length === 0 || choices.some((c) => c.finish_reason === null)) {
      throw new NodeError("llm_incomplete", "The model's streamed answer ended before it finished");
    }
    const raw = choices.map(({ calls, ...rest }) => ({
      ...rest,
      tool_calls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c),
    }));
    return chatResult(this.id, this.model, raw, this.usage);
  }
}

/** The gap between two live deltas: the emitter's sustained rate, so its budget is never used up. */
export const DELTA_INTERVAL_MS = 1000 / DEFAULT_EVENTS_PER_SECOND;

/**
 * Forwards text deltas as live events: the first at once, then at most one per DELTA_INTERVAL_MS
 * with the text that arrived meanwhile joined, so a fast model's tokens are never dropped by the
 * emitter's rate limit (a watcher sees the same text in fewer, larger pieces).
 */
export class DeltaPacer {
  private pending = "";
  private last = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (text: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(text: string): void {
    if (text === "") return;
    this.pending += text;
    if (this.timer !== undefined) return;
    const wait = this.last + DELTA_INTERVAL_MS - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Sends what is left, now: the answer is complete. */
  end(): void {
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === "") return;
    const text = this.pending;
    this.pending = "";
    this.last = this.now();
    this.send(text);
  }
}

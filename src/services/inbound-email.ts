/**
 * Mail arriving through Cloudflare Email Routing (the Worker's `email()` handler): the message goes to
 * the flows whose `email` trigger its recipient reaches (src/triggers/email-route.ts), each of which
 * checks its own size limit and sender list before its run starts with the parsed message as input.
 * What the sender learns on a refusal is only the SMTP reason (no account, flow or trigger names).
 */
import type { AppConfig } from "../env";
import { parseEmail } from "../email/parse";
import { derivedId, newId } from "../lib/ids";
import type { Storage, TriggerRecord } from "../storage/types";
import { emailRunInput } from "../triggers/email-input";
import { addressedTriggerId, addressMatches, emailConfig, routeByAddress } from "../triggers/email-route";
import type { AuditService } from "./audit";
import type { ExecutionRpc } from "./execution-rpc";
import { startTriggeredRun } from "./trigger-runs";

/** A delivered message, as the runtime hands it over (ForwardableEmailMessage's web-standard part). */
export interface InboundMessage {
  /** Envelope sender. */
  from: string;
  /** Envelope recipient. */
  to: string;
  headers: Headers;
  raw: ReadableStream<Uint8Array>;
  rawSize: number;
}

export type InboundVerdict =
  | { kind: "accepted"; runs: { trigger_id: string; execution_id: string; created: boolean }[] }
  | { kind: "rejected"; reason: string }
  /** No flow receives mail at the address and the operator forwards such mail (EMAIL_FORWARD_UNKNOWN). */
  | { kind: "forward"; to: string };

export interface InboundEmailDeps {
  config: AppConfig;
  storage: Storage;
  execution: (id: string) => ExecutionRpc;
  audit: AuditService;
}

/** SMTP reasons: what the sender's server is told. */
export const REJECTIONS = {
  unknown: "Unknown recipient",
  tooLarge: "Message too large",
  sender: "Sender not allowed",
  inactive: "Recipient is not accepting mail",
  invalid: "Message could not be read",
} as const;

type Refusal = keyof typeof REJECTIONS;

export class InboundEmailService {
  constructor(private readonly deps: InboundEmailDeps) {}

  async receive(message: InboundMessage): Promise<InboundVerdict> {
    const recipient = message.to.trim();
    const triggers = await this.triggersFor(recipient);
    if (triggers.length === 0) {
      const forward = this.deps.config.emailForwardUnknown;
      return forward ? { kind: "forward", to: forward } : { kind: "rejected", reason: REJECTIONS.unknown };
    }
    const refusals: Refusal[] = [];
    const accepting = triggers.filter((record) => {
      const refusal = this.refusal(record, message);
      if (refusal) {
        refusals.push(refusal);
        this.recordRefusal(record, message, refusal);
      }
      return refusal === undefined;
    });
    if (accepting.length === 0) return { kind: "rejected", reason: REJECTIONS[refusals[0] ?? "inactive"] };
    const raw = new Uint8Array(await new Response(message.raw).arrayBuffer());
    const messageId = message.headers.get("message-id")?.trim() || null;
    const receivedAt = new Date().toISOString();
    const runs: Extract<InboundVerdict, { kind: "accepted" }>["runs"] = [];
    // Triggers that keep the same attachment budget share one parse of the message.
    const parses = new Map<number, ReturnType<typeof parseEmail>>();
    for (const record of accepting) {
      const budget = emailConfig(record).attachment_bytes;
      if (!parses.has(budget)) parses.set(budget, parseEmail(raw, { maxAttachmentBytes: budget }));
      let parsed;
      try {
        parsed = await parses.get(budget)!;
      } catch {
        return { kind: "rejected", reason: REJECTIONS.invalid };
      }
      const input = emailRunInput(parsed, { from: message.from, to: recipient }, message.rawSize, receivedAt);
      // A redelivery of the same message (same Message-ID) derives the same execution id: one run.
      const executionId = messageId ? await derivedId("exe", this.deps.config.jwtSecret, `email:${record.id}:${messageId}`) : newId("exe");
      const started = await startTriggeredRun(this.deps, { trigger: record, input, executionId, waitMs: 0 });
      if (started.ok) runs.push({ trigger_id: record.id, execution_id: started.execution.id, created: started.created });
    }
    return runs.length > 0 ? { kind: "accepted", runs } : { kind: "rejected", reason: REJECTIONS.inactive };
  }

  /** The triggers the recipient reaches: one named by its id, else the declared addresses that match. */
  private async triggersFor(recipient: string): Promise<TriggerRecord[]> {
    const id = addressedTriggerId(recipient);
    if (id) {
      const record = await this.deps.storage.triggers.get(id);
      return record && record.kind === "email" ? [record] : [];
    }
    return routeByAddress(recipient, await this.declaredAddresses());
  }

  /**
   * Every account's `email` triggers that declare an address. One scan per message: fine for the
   * hundreds of addresses a deployment has (docs/email.md); a lookup table would replace it at more.
   */
  private async declaredAddresses(): Promise<TriggerRecord[]> {
    const all: TriggerRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.storage.triggers.listAll("email", { limit: 100, ...(cursor ? { cursor } : {}) });
      all.push(...page.items.filter((record) => emailConfig(record).address !== undefined));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return all;
  }

  /** Why this trigger does not take the message, checked before it is read. */
  private refusal(record: TriggerRecord, message: InboundMessage): Refusal | undefined {
    const trigger = emailConfig(record);
    if (trigger.enabled === false || record.paused) return "inactive";
    if (message.rawSize > trigger.max_size) return "tooLarge";
    if (trigger.senders && !senderAllowed(trigger.senders, message)) return "sender";
    return undefined;
  }

  private recordRefusal(record: TriggerRecord, message: InboundMessage, refusal: Refusal): void {
    if (refusal === "inactive") return;
    this.deps.audit.record({
      account_id: record.account_id,
      actor: null,
      action: "email.refused",
      target_type: "trigger",
      target_id: record.id,
      details: { flow_id: record.flow_id, trigger_key: record.key, reason: REJECTIONS[refusal], from: message.from, size: message.rawSize },
    });
  }
}

/**
 * Both the envelope sender and the From header must be on the list, since a sender chooses each of
 * them. A filter against mail that is not meant for the flow, not proof of who sent it (docs/email.md).
 */
function senderAllowed(senders: readonly string[], message: InboundMessage): boolean {
  const allowed = (address: string) => senders.some((pattern) => addressMatches(pattern, address));
  const header = fromHeaderAddress(message.headers.get("from"));
  return allowed(message.from) && (header === undefined || allowed(header));
}

/** The address in a From header value (`"Name" <a@b>` or `a@b`). */
function fromHeaderAddress(value: string | null): string | undefined {
  if (!value) return undefined;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  if (angle) return angle[1];
  const bare = /([^\s<>",;]+@[^\s<>",;]+)/.exec(value);
  return bare?.[1];
}

/**
 * The `triggers:` section: each entry is checked on its own (so every mistake is reported, at its
 * line), then the ids, which must be unique within the flow because a webhook's URL and a
 * schedule's history are keyed by them.
 */
import { isRecord } from "../lib/json";
import type { IssueSink } from "./issues";
import { kindOf } from "./suggest";
import { MAX_TRIGGERS, TRIGGER_TYPES, triggerSchema, VERIFY_SCHEMES, type TriggerDefinition } from "./triggers";
import { checkSection, dotted } from "./zod-issues";

export function checkTriggers(raw: unknown, sink: IssueSink, missingFlows?: ReadonlySet<string>): TriggerDefinition[] {
  if (raw === null) return [];
  if (!Array.isArray(raw)) {
    sink.error("invalid_trigger", `triggers must be a list, got ${kindOf(raw)}`, ["triggers"]);
    return [];
  }
  if (raw.length > MAX_TRIGGERS) {
    sink.error("invalid_trigger", `the flow has ${raw.length} triggers; the limit is ${MAX_TRIGGERS}`, ["triggers"], "key");
    return [];
  }
  const triggers: TriggerDefinition[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry, index) => {
    const base = ["triggers", index];
    if (!isRecord(entry) || typeof entry.type !== "string" || !(TRIGGER_TYPES as readonly string[]).includes(entry.type)) {
      const got = isRecord(entry) ? (entry.type === undefined ? "no type" : `type ${JSON.stringify(entry.type)}`) : kindOf(entry);
      sink.error("invalid_trigger", `triggers[${index}]: expected a type of ${TRIGGER_TYPES.join(", ")}, got ${got}`, base);
      return;
    }
    const where = `triggers[${index}] (${entry.type})`;
    const scheme = isRecord(entry.verify) ? entry.verify.scheme : undefined;
    if (entry.type === "webhook" && isRecord(entry.verify) && !VERIFY_SCHEMES.includes(scheme as string)) {
      const got = scheme === undefined ? "none given" : JSON.stringify(scheme);
      sink.error(
        "invalid_trigger",
        `${where}: verify.scheme must be one of ${VERIFY_SCHEMES.join(", ")}, got ${got}`,
        [...base, "verify"],
        "key",
      );
      return;
    }
    const issues = checkSection(triggerSchema, entry, {
      codes: { unknownKey: "invalid_trigger", missing: "invalid_trigger", invalid: "invalid_trigger" },
      base,
      unknown: (path, key, hint) => `unknown key '${key}' in ${where}${path.length > 0 ? `.${dotted(path)}` : ""}${hint}`,
      missing: (path) => `${where}: ${dotted(path)} is required`,
      invalid: (path, detail) => `${where}: ${dotted(path)}: ${detail}`,
      rule: (detail) => `${where}: ${detail}`,
    });
    // Any code a field's own check chose (invalid_cron, invalid_duration) stays; the rest are invalid_trigger.
    sink.errors(issues);
    if (issues.length > 0) return;
    const parsed = triggerSchema.parse(entry);
    if (parsed.type === "webhook" && parsed.verify.scheme === "token" && parsed.verify.header && parsed.verify.query) {
      sink.error(
        "invalid_trigger",
        `${where}: verify takes a header or a query parameter for the token, not both`,
        [...base, "verify"],
        "key",
      );
      return;
    }
    const id = parsed.id ?? parsed.type;
    const first = seen.get(id);
    if (first !== undefined) {
      const hint = parsed.id === undefined ? ` (give each ${parsed.type} trigger its own id)` : "";
      sink.error("invalid_trigger", `${where}: id '${id}' is already used by triggers[${first}]${hint}`, [
        ...base,
        ...(parsed.id ? ["id"] : []),
      ]);
      return;
    }
    seen.set(id, index);
    if (parsed.type === "flow" && missingFlows?.has(parsed.flow_id)) {
      const message = `${where}: this account has no flow '${parsed.flow_id}'; the trigger starts nothing until there is one`;
      sink.warn("unknown_flow", message, [...base, "flow_id"]);
    }
    triggers.push({ ...parsed, id } as TriggerDefinition);
  });
  return triggers;
}

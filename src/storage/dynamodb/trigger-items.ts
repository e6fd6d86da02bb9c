import type { TriggerKind, TriggerRecord } from "../types";
import { bool, BOOL, json, N, num, S, str, stringSet, type AttributeValue, type Item } from "../../lib/dynamodb/client";
import { Expr, setOrRemove } from "./expressions";
import { gsi, keys } from "./keys";

/**
 * A flow head lists the ids of its triggers, so a save knows which declared
 * ones to remove and a delete finds every one, from one consistent read.
 * Saves change `trigger_ids` with the version; node schedules change
 * `node_trigger_ids` and bump `node_triggers_rev`, which a delete is
 * conditional on.
 */
export const DECLARED_IDS = "trigger_ids";
export const NODE_IDS = "node_trigger_ids";
export const NODE_REVISION = "node_triggers_rev";

export function headTriggers(head: Item): { declared: string[]; node: string[]; nodeRevision: number | null } {
  const revision = head[NODE_REVISION];
  return {
    declared: stringSet(head, DECLARED_IDS),
    node: stringSet(head, NODE_IDS),
    nodeRevision: revision && "N" in revision ? Number(revision.N) : null,
  };
}

/** Who may already hold the id a trigger write uses: nobody, the flow's declared triggers, or its node schedules. */
export type TriggerOwner = "nobody" | TriggerRecord["source"];

/**
 * The transaction item that creates or rewrites a trigger. A rewrite keeps the
 * stored `paused` and `created_at`; it is refused (a failed condition) when
 * the id is held by anything but `owner` in the same account and flow.
 */
export function triggerWrite(table: string, trigger: TriggerRecord, owner: TriggerOwner): { Update: Record<string, unknown> } {
  const expr = new Expr();
  const keep = (name: string, value: AttributeValue) => `${expr.n(name)} = if_not_exists(${expr.n(name)}, ${expr.v(value)})`;
  const update = setOrRemove(
    expr,
    {
      id: S(trigger.id),
      account_id: S(trigger.account_id),
      flow_id: S(trigger.flow_id),
      key: S(trigger.key),
      kind: S(trigger.kind),
      source: S(trigger.source),
      flow_version: N(trigger.flow_version),
      config: S(JSON.stringify(trigger.config)),
      updated_at: S(trigger.updated_at),
      GSI1PK: S(gsi.triggers(trigger.account_id)),
      GSI1SK: S(trigger.id),
      GSI2PK: S(gsi.triggersByKind(trigger.kind)),
      GSI2SK: S(trigger.id),
    },
    [keep("paused", BOOL(trigger.paused)), keep("created_at", S(trigger.created_at))],
  );
  const absent = `attribute_not_exists(${expr.n("PK")})`;
  const held =
    owner === "nobody"
      ? ""
      : ` OR (${expr.n("account_id")} = ${expr.v(S(trigger.account_id))} AND ${expr.n("flow_id")} = ${expr.v(S(trigger.flow_id))}` +
        ` AND ${expr.n("source")} = ${expr.v(S(owner))})`;
  return {
    Update: {
      TableName: table,
      Key: keys.trigger(trigger.id),
      UpdateExpression: update,
      ConditionExpression: absent + held,
      ...expr.params(),
    },
  };
}

export function triggerFromItem(item: Item): TriggerRecord {
  return {
    id: str(item, "id"),
    account_id: str(item, "account_id"),
    flow_id: str(item, "flow_id"),
    key: str(item, "key"),
    // The table holds only what the stores wrote, so kind and source are theirs.
    kind: str(item, "kind") as TriggerKind,
    source: str(item, "source") as TriggerRecord["source"],
    flow_version: num(item, "flow_version"),
    config: json<Record<string, unknown>>(item, "config", {}),
    paused: bool(item, "paused", false),
    created_at: str(item, "created_at"),
    updated_at: str(item, "updated_at"),
  };
}

/**
 * The key-value `query` filter ({field: value} or {field: {$op: value}}, as the store takes it) as a
 * DynamoDB FilterExpression over the fields of the stored `value` map. Dotted fields reach into
 * nested maps.
 */
import type { AttributeValue } from "../../lib/dynamodb/client";
import { marshal } from "../../lib/dynamodb/marshal";
import { isRecord, type JsonValue } from "../../lib/json";

export class FilterError extends Error {
  override readonly name = "FilterError";
}

/** Names and values by alias, shared by every part of one request's expressions. */
export class Aliases {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, AttributeValue> = {};
  private nameCount = 0;
  private valueCount = 0;

  /** `#nN.#nM` for a path of attribute names (aliases, so reserved words and any characters work). */
  path(parts: readonly string[]): string {
    return parts
      .map((part) => {
        const alias = `#n${this.nameCount++}`;
        this.names[alias] = part;
        return alias;
      })
      .join(".");
  }

  value(value: JsonValue): string {
    return this.attribute(marshal(value, "filter"));
  }

  attribute(value: AttributeValue): string {
    const alias = `:v${this.valueCount++}`;
    this.values[alias] = value;
    return alias;
  }

  params(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

const COMPARISONS: Record<string, string> = { $eq: "=", $ne: "<>", $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };
/** DynamoDB's limit on the operands of IN. */
const MAX_IN = 100;

/**
 * The conditions of `filter`, joined with AND; `null` when it can match nothing (an empty `$in`),
 * so the caller answers without reading.
 */
export function filterExpression(filter: Record<string, JsonValue>, aliases: Aliases, root = "value"): string[] | null {
  const conditions: string[] = [];
  for (const [field, test] of Object.entries(filter)) {
    if (field === "") throw new FilterError("filter has an empty field name");
    const path = aliases.path([root, ...field.split(".")]);
    const operators =
      isRecord(test) && Object.keys(test).length > 0 && Object.keys(test).every((k) => k.startsWith("$")) ? test : { $eq: test };
    for (const [operator, operand] of Object.entries(operators)) {
      const comparison = COMPARISONS[operator];
      if (comparison !== undefined) conditions.push(`${path} ${comparison} ${aliases.value(operand)}`);
      else if (operator === "$contains") conditions.push(`contains(${path}, ${aliases.value(operand)})`);
      else if (operator === "$in") {
        if (!Array.isArray(operand)) throw new FilterError(`filter ${field}: $in needs a list`);
        if (operand.length === 0) return null;
        if (operand.length > MAX_IN) throw new FilterError(`filter ${field}: $in takes at most ${MAX_IN} values`);
        conditions.push(`${path} IN (${operand.map((v) => aliases.value(v)).join(", ")})`);
      } else {
        throw new FilterError(`filter ${field}: unknown operator ${operator} (use $eq, $ne, $gt, $gte, $lt, $lte, $in or $contains)`);
      }
    }
  }
  return conditions;
}

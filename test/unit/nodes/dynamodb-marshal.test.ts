/** JSON to DynamoDB attribute values and back, and the key-value filter as a FilterExpression. */
import { describe, expect, it } from "vitest";
import { MarshalError, marshal, marshalItem, unmarshal, unmarshalItem } from "../../../src/lib/dynamodb/marshal";
import { Aliases, FilterError, filterExpression } from "../../../src/nodes/dynamodb/filter";

describe("marshal", () => {
  it("turns every JSON type into its attribute value and back", () => {
    const value = {
      s: "text",
      empty: "",
      n: 12.5,
      neg: -3,
      zero: 0,
      t: true,
      f: false,
      nil: null,
      list: [1, "a", [null]],
      map: { deep: { x: 1 } },
    };
    const item = marshalItem(value);
    expect(item).toEqual({
      s: { S: "text" },
      empty: { S: "" },
      n: { N: "12.5" },
      neg: { N: "-3" },
      zero: { N: "0" },
      t: { BOOL: true },
      f: { BOOL: false },
      nil: { NULL: true },
      list: { L: [{ N: "1" }, { S: "a" }, { L: [{ NULL: true }] }] },
      map: { M: { deep: { M: { x: { N: "1" } } } } },
    });
    expect(unmarshalItem(item)).toEqual(value);
  });

  it("keeps numbers as JS numbers only when that loses nothing", () => {
    expect(unmarshal({ N: "9007199254740991" })).toBe(9007199254740991);
    expect(unmarshal({ N: "9007199254740993" })).toBe("9007199254740993");
    expect(unmarshal({ N: "-12345678901234567890" })).toBe("-12345678901234567890");
    expect(unmarshal({ N: "0.1" })).toBe(0.1);
    expect(unmarshal({ N: "1E+3" })).toBe(1000);
  });

  it("reads sets and binary written by other clients", () => {
    expect(unmarshal({ SS: ["a", "b"] })).toEqual(["a", "b"]);
    expect(unmarshal({ NS: ["1", "2.5"] })).toEqual([1, 2.5]);
    expect(unmarshal({ B: "aGk=" })).toBe("aGk=");
    expect(unmarshal({ BS: ["aGk="] })).toEqual(["aGk="]);
  });

  it("refuses numbers JSON cannot carry, naming where", () => {
    expect(() => marshal({ a: [1, Number.NaN] })).toThrow(new MarshalError("value.a[1] is not a finite number"));
    expect(() => marshal(Number.POSITIVE_INFINITY)).toThrow(MarshalError);
  });
});

describe("filterExpression", () => {
  const translate = (filter: Parameters<typeof filterExpression>[0]) => {
    const aliases = new Aliases();
    const conditions = filterExpression(filter, aliases);
    return { conditions, names: aliases.names, values: aliases.values };
  };

  it("aliases every name, so reserved words, dots and any characters are safe", () => {
    expect(translate({ status: "open", "a.b-c": 2 })).toEqual({
      conditions: ["#n0.#n1 = :v0", "#n2.#n3.#n4 = :v1"],
      names: { "#n0": "value", "#n1": "status", "#n2": "value", "#n3": "a", "#n4": "b-c" },
      values: { ":v0": { S: "open" }, ":v1": { N: "2" } },
    });
  });

  it("translates each operator", () => {
    const { conditions, values } = translate({
      a: { $eq: 1, $ne: 2 },
      b: { $gt: 3, $gte: 4, $lt: 5, $lte: 6 },
      c: { $in: ["x", "y"] },
      d: { $contains: "z" },
    });
    expect(conditions).toEqual([
      "#n0.#n1 = :v0",
      "#n0.#n1 <> :v1",
      "#n2.#n3 > :v2",
      "#n2.#n3 >= :v3",
      "#n2.#n3 < :v4",
      "#n2.#n3 <= :v5",
      "#n4.#n5 IN (:v6, :v7)",
      "contains(#n6.#n7, :v8)",
    ]);
    expect(values[":v7"]).toEqual({ S: "y" });
  });

  it("matches a map value exactly when its keys are not operators", () => {
    expect(translate({ tags: { x: 1 } }).values).toEqual({ ":v0": { M: { x: { N: "1" } } } });
  });

  it("answers null for an empty $in (nothing can match) and refuses unknown operators", () => {
    expect(translate({ a: { $in: [] } }).conditions).toBeNull();
    expect(() => translate({ a: { $regex: "x" } })).toThrow(FilterError);
    expect(() => translate({ a: { $in: "x" } })).toThrow(FilterError);
  });
});

/** `triggers:` in the flow language: each kind, its defaults, and mistakes reported at their line and column. */
import { describe, expect, it } from "vitest";
import { validateFlow } from "../../../src/flow";
import { MAX_TRIGGERS } from "../../../src/flow/triggers";
import { only, yaml } from "./helpers";

const flow = (...triggers: string[]) =>
  yaml("metadata: {name: t}", "nodes:", '  a: {type: transform, params: {script: "return 1"}}', "triggers:", ...triggers);

describe("triggers", () => {
  it("normalises a cron trigger with its defaults and its type as id", () => {
    const result = validateFlow(flow("  - type: cron", '    cron: "0 9 * * MON-FRI"'));
    expect(result.errors).toEqual([]);
    expect(result.flow?.triggers).toEqual([
      { id: "cron", type: "cron", enabled: true, cron: "0 9 * * MON-FRI", timezone: "UTC", input: {}, overlap: "allow", catchup: "none" },
    ]);
  });

  it("normalises a webhook trigger: durations in ms, verification defaults", () => {
    const result = validateFlow(
      flow(
        "  - id: stripe-events",
        "    type: webhook",
        "    verify: {scheme: stripe, secret: STRIPE_SECRET}",
        "    response: last_node",
        "    response_timeout: 10s",
        "    rate_limit: {requests: 10, window: 1m}",
      ),
    );
    expect(result.errors).toEqual([]);
    expect(result.flow?.triggers?.[0]).toEqual({
      id: "stripe-events",
      type: "webhook",
      enabled: true,
      methods: ["POST"],
      verify: { scheme: "stripe", secret: "STRIPE_SECRET", tolerance: 300_000 },
      response: "last_node",
      response_timeout: 10_000,
      max_body: 1024 * 1024,
      rate_limit: { requests: 10, window: 60_000 },
      raw_body: false,
    });
  });

  it("normalises a flow trigger, completed by default", () => {
    const result = validateFlow(flow("  - {type: flow, flow_id: flw_abc}"));
    expect(result.flow?.triggers).toEqual([{ id: "flow", type: "flow", enabled: true, flow_id: "flw_abc", on: ["completed"] }]);
  });

  it("warns about a flow trigger watching a flow the account does not have, at its flow_id", () => {
    const source = flow("  - {type: flow, id: after-missing, flow_id: flw_gone}", "  - {type: flow, id: after-known, flow_id: flw_here}");
    const result = validateFlow(source, { missingFlows: new Set(["flw_gone"]) });
    expect(result.valid).toBe(true);
    expect(only(result.warnings, "unknown_flow")).toMatchObject({ path: ["triggers", 0, "flow_id"], line: 5, column: 46 });
    expect(validateFlow(source).warnings).toEqual([]);
  });

  it("leaves triggers out of a flow that declares none", () => {
    const result = validateFlow(yaml("metadata: {name: t}", "nodes:", '  a: {type: transform, params: {script: "return 1"}}'));
    expect(result.flow).toBeDefined();
    expect(result.flow?.triggers).toBeUndefined();
  });

  it("points at a bad cron expression with invalid_cron", () => {
    const issue = only(validateFlow(flow("  - type: cron", '    cron: "61 * * * *"')).errors, "invalid_cron");
    expect(issue).toMatchObject({ path: ["triggers", 0, "cron"], line: 6, column: 11 });
    expect(issue.message).toMatch(/minute value 61 is out of range/);
  });

  it("refuses an unknown time zone", () => {
    const issue = only(validateFlow(flow("  - type: cron", '    cron: "@daily"', "    timezone: Mars/Olympus")).errors, "invalid_trigger");
    expect(issue).toMatchObject({ path: ["triggers", 0, "timezone"], line: 7, column: 15 });
  });

  it("refuses an unknown type and names the kinds", () => {
    const issue = only(validateFlow(flow("  - {type: email2}")).errors, "invalid_trigger");
    expect(issue.message).toBe('triggers[0]: expected a type of cron, webhook, flow, email, got type "email2"');
    expect(issue).toMatchObject({ line: 5, column: 5 });
  });

  it("refuses an unknown verification scheme and names the schemes", () => {
    const issue = only(validateFlow(flow("  - type: webhook", "    verify: {scheme: sha}")).errors, "invalid_trigger");
    expect(issue.message).toMatch(/verify.scheme must be one of none, token, basic, github, stripe, standard, hmac, got "sha"/);
  });

  it("asks for the secret a scheme needs", () => {
    const issue = only(validateFlow(flow("  - type: webhook", "    verify: {scheme: github}")).errors, "invalid_trigger");
    expect(issue.message).toBe("triggers[0] (webhook): verify.secret is required");
  });

  it("suggests the key meant by a misspelt one", () => {
    const issue = only(validateFlow(flow("  - type: webhook", "    respons: last_node")).errors, "invalid_trigger");
    expect(issue.message).toMatch(/unknown key 'respons'.*did you mean 'response'/);
    expect(issue).toMatchObject({ line: 6, column: 5 });
  });

  it("refuses a token taken from both a header and the query", () => {
    const issue = only(
      validateFlow(flow("  - type: webhook", "    verify: {scheme: token, secret: T, header: X-T, query: t}")).errors,
      "invalid_trigger",
    );
    expect(issue.message).toMatch(/a header or a query parameter/);
  });

  it("needs distinct ids for two triggers of one type", () => {
    const issue = only(validateFlow(flow("  - {type: webhook}", "  - {type: webhook}")).errors, "invalid_trigger");
    expect(issue.message).toMatch(/id 'webhook' is already used by triggers\[0\] \(give each webhook trigger its own id\)/);
    expect(issue).toMatchObject({ line: 6 });
    expect(validateFlow(flow("  - {type: webhook, id: a}", "  - {type: webhook, id: b}")).errors).toEqual([]);
  });

  it("refuses a webhook timeout beyond the longest wait", () => {
    const issue = only(validateFlow(flow("  - {type: webhook, response_timeout: 5m}")).errors, "invalid_trigger");
    expect(issue.message).toMatch(/between/);
  });

  it(`refuses more than ${MAX_TRIGGERS} triggers`, () => {
    const many = Array.from({ length: MAX_TRIGGERS + 1 }, (_, i) => `  - {type: webhook, id: w${i}}`);
    expect(only(validateFlow(flow(...many)).errors, "invalid_trigger").message).toMatch(/limit is 20/);
  });

  it("refuses triggers that are not a list", () => {
    expect(only(validateFlow(flow("  type: cron")).errors, "invalid_trigger").message).toBe("triggers must be a list, got mapping");
  });
});

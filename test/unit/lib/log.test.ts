import { afterEach, describe, expect, it } from "vitest";
import { configureLogging, consoleSink, levelFromEnv, log, Logger, parseLogLevel, type LogLevel } from "../../../src/lib/log";

function capture(level: LogLevel = "debug") {
  const lines: { level: LogLevel; line: Record<string, unknown>; text: string }[] = [];
  const logger = new Logger({
    level,
    sink: (at, text) => lines.push({ level: at, line: JSON.parse(text) as Record<string, unknown>, text }),
  });
  return { logger, lines };
}

describe("logger", () => {
  afterEach(() => configureLogging({ level: "info", sink: consoleSink }));

  it("writes one flat JSON object per line: level, message, time, then the fields", () => {
    const { logger, lines } = capture();
    logger.info("request", { request_id: "r1", status: 200, ok: true, nodes: ["a", "b"], none: null, skipped: undefined });
    expect(lines).toHaveLength(1);
    const [{ line, level, text }] = lines as [(typeof lines)[number]];
    expect(level).toBe("info");
    expect(Object.keys(line)).toEqual(["level", "message", "time", "request_id", "status", "ok", "nodes", "none"]);
    expect(line).toMatchObject({
      level: "info",
      message: "request",
      request_id: "r1",
      status: 200,
      ok: true,
      nodes: ["a", "b"],
      none: null,
    });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
    expect(text).not.toContain("\n");
  });

  it("leaves out lines below the level", () => {
    const { logger, lines } = capture("warn");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(lines.map((l) => [l.level, l.line.message])).toEqual([
      ["warn", "w"],
      ["error", "e"],
    ]);
    expect(logger.enabled("info")).toBe(false);
  });

  it("reads LOG_LEVEL in any case and falls back to info", () => {
    expect(parseLogLevel("DEBUG")).toBe("debug");
    expect(parseLogLevel(" error ")).toBe("error");
    expect(parseLogLevel(undefined)).toBe("info");
    expect(parseLogLevel("verbose")).toBe("info");
  });

  it("writes errors as name, message and stack", () => {
    const { logger, lines } = capture();
    logger.error("unhandled error", { error: new TypeError("boom"), cause: new Error("inner") });
    const line = lines[0]!.line;
    expect(line).toMatchObject({ error_name: "TypeError", error_message: "boom", cause_error_name: "Error", cause_error_message: "inner" });
    expect(line.error_stack).toContain("TypeError: boom");
    expect(line).not.toHaveProperty("error");
  });

  it("writes a wrapped error's cause, and never the bound values of a failed query", () => {
    const { logger, lines } = capture();
    const cause = new Error('relation "audit_log" does not exist');
    const failed = new Error(
      'Failed query: insert into "accounts" ("id", "password_hash") values ($1, $2)\nparams: acc_1,pbkdf2$secret-hash',
      { cause },
    );
    logger.error("unhandled error", { error: failed });
    const text = lines[0]?.text ?? "";
    expect(lines[0]?.line).toMatchObject({
      error_message: 'Failed query: insert into "accounts" ("id", "password_hash") values ($1, $2)',
      error_cause: 'Error: relation "audit_log" does not exist',
    });
    expect(text).not.toContain("secret-hash");
    expect(text).not.toContain("params:");
  });

  it("redacts fields named like credentials, keeps the reserved keys and clips long strings", () => {
    const { logger, lines } = capture();
    logger.info("x", {
      authorization: "Bearer abc",
      password: "hunter2",
      token: "frt_x",
      level: "debug",
      message: "other",
      long: "y".repeat(5_000),
    });
    const { line, text } = lines[0]!;
    expect(line).toMatchObject({ level: "info", message: "x", authorization: "[redacted]", password: "[redacted]", token: "[redacted]" });
    expect(text).not.toContain("abc");
    expect(text).not.toContain("hunter2");
    expect((line.long as string).length).toBeLessThan(2_100);
  });

  it("child loggers add their fields to every line", () => {
    const { logger, lines } = capture();
    logger.child({ request_id: "r9" }).warn("slow", { ms: 5 });
    expect(lines[0]!.line).toMatchObject({ request_id: "r9", ms: 5, level: "warn" });
  });

  it("the shared logger follows configureLogging", () => {
    const seen: string[] = [];
    configureLogging({ level: "error", sink: (_level, text) => seen.push(text) });
    log.warn("hidden");
    log.error("shown");
    configureLogging({ level: "debug" });
    log.debug("now shown");
    levelFromEnv("error");
    log.debug("explicit configuration wins over LOG_LEVEL");
    expect(seen.map((t) => (JSON.parse(t) as { message: string }).message)).toEqual([
      "shown",
      "now shown",
      "explicit configuration wins over LOG_LEVEL",
    ]);
  });
});

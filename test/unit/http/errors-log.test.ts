import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors";
import { errorResponse } from "../../../src/http/errors";
import { configureLogging, consoleSink } from "../../../src/lib/log";

describe("errors that become 500s", () => {
  afterEach(() => configureLogging({ level: "info", sink: consoleSink }));

  it("are logged at level error with their stack; client errors and deliberate 5xx answers are not", async () => {
    const lines: Record<string, unknown>[] = [];
    configureLogging({ level: "debug", sink: (_level, text) => lines.push(JSON.parse(text) as Record<string, unknown>) });
    const app = new Hono();
    app.onError(errorResponse);
    app.get("/crash", () => {
      throw new RangeError("index 7 out of range");
    });
    app.get("/bad", () => {
      throw new AppError(400, "bad_request", "no");
    });
    app.get("/busy", () => {
      throw new AppError(503, "insecure_configuration", "set it");
    });
    const crash = await app.request("/crash");
    expect(crash.status).toBe(500);
    expect(await crash.json()).toEqual({ error: { code: "internal", message: "Internal server error" } });
    expect((await app.request("/bad")).status).toBe(400);
    expect((await app.request("/busy")).status).toBe(503);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "error",
      message: "unhandled error",
      method: "GET",
      error_name: "RangeError",
      error_message: "index 7 out of range",
    });
    expect(lines[0]!.error_stack).toContain("RangeError: index 7 out of range");
  });
});

import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";

describe("CORS", () => {
  it("is closed by default: no allow-origin header, even on preflight", async () => {
    const preflight = await call("/api/v1/flows", {
      method: "OPTIONS",
      headers: {
        Origin: "https://evil.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBeNull();
    const simple = await call("/api/v1/health", { headers: { Origin: "https://evil.example" } });
    expect(simple.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});

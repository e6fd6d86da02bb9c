/**
 * The API document served by a real server is fit for generated clients: it lints clean (every
 * operation, so a new route without an operationId or security fails here), and a client generated
 * from it with openapi-typescript and openapi-fetch type-checks and drives the API.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { lintDocument } from "../../scripts/lint-openapi.mjs";
import { root, serverReady } from "./helpers";

type Document = Record<string, unknown> & { paths: Record<string, Record<string, Record<string, unknown>>> };
let document: Document;

beforeAll(async () => {
  await serverReady();
  const response = await fetch(`${inject("cliServer")}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as Document;
});

describe("the API document", () => {
  it("lints clean with redocly's recommended rules and the operation checks", () => {
    expect(lintDocument(document)).toEqual([]);
  });

  it("describes the run's WebSocket and the public webhook trigger URLs", () => {
    const socket = document.paths["/api/v1/executions/{id}/ws"]?.get as { operationId: string; responses: Record<string, unknown> };
    expect(socket.operationId).toBe("watchExecution");
    expect(JSON.stringify(socket.responses["101"])).toContain("SocketServerMessage");
    const hook = document.paths["/hooks/{id}"]?.post as { operationId: string; security: unknown[] };
    expect(hook).toMatchObject({ operationId: "callWebhookTriggerPost", security: [] });
  });

  it("fails an operation without an operationId or security, and a duplicate or snake_case id", () => {
    const broken = structuredClone(document);
    const flows = broken.paths["/api/v1/flows"]!;
    delete flows.get!.operationId;
    delete flows.post!.security;
    broken.paths["/api/v1/tokens"]!.get!.operationId = "createFlow";
    broken.paths["/api/v1/audit"]!.get!.operationId = "list_audit";
    const problems = lintDocument(broken);
    expect(problems).toEqual([
      "error operation-operationId-unique: Every operation must have a unique `operationId`. (#/paths/~1api~1v1~1flows/post/createFlow)",
      "error security-defined: Every operation should have security defined on it or on the root level. (#/paths/~1api~1v1~1flows/post)",
      "warn operation-operationId: Operation object should contain `operationId` field. (#/paths/~1api~1v1~1flows/get/operationId)",
      "GET /api/v1/flows: no operationId",
      "POST /api/v1/flows: operationId createFlow is also GET /api/v1/tokens's",
      "POST /api/v1/flows: no security of its own (public operations declare security: [])",
      "GET /api/v1/audit: operationId list_audit is not camelCase",
    ]);
  });
});

describe("a client generated from the document", () => {
  it("type-checks against the generated types and signs up, creates and runs a flow, reads the run and lists executions", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flowrunner-openapi-client-"));
    try {
      // The client resolves openapi-fetch as an installed package would.
      symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
      writeFileSync(path.join(dir, "api.d.ts"), astToString(await openapiTS(document as never)));
      copyFileSync(path.join(import.meta.dirname, "openapi-client/client.ts"), path.join(dir, "client.ts"));
      writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            noEmit: true,
            allowImportingTsExtensions: true,
            skipLibCheck: true,
            types: ["node"],
            typeRoots: [path.join(root, "node_modules/@types")],
          },
          files: ["client.ts"],
        }),
      );
      writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
      const tsc = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
      expect(tsc.stdout + tsc.stderr).toBe("");
      expect(tsc.status).toBe(0);

      const username = `client-${Date.now().toString(36)}`;
      const run = spawnSync(
        process.execPath,
        ["--disable-warning=ExperimentalWarning", path.join(dir, "client.ts"), inject("cliServer"), username],
        {
          encoding: "utf8",
        },
      );
      expect(run.stderr).toBe("");
      const seen = JSON.parse(run.stdout) as {
        execution: { id: string };
        executions: string[];
      };
      expect(seen).toEqual({
        health: "ok",
        account: username,
        flow: { name: "Greeter", version: 1 },
        run: { status: "completed", output: { greeting: "hello client" } },
        execution: { id: expect.stringMatching(/^exe_/), status: "completed", flow_id: expect.stringMatching(/^flw_/) },
        steps: [["greet", "completed"]],
        executions: [seen.execution.id],
        missing: { status: 404, code: "not_found" },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import type { TestProject } from "vitest/node";
import { startStandins, type RunningStandins, type StandinName } from "../scripts/standins/index.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of each local stand-in (scripts/standins/), by name: `inject("standins").mcp`. */
    standins: Record<StandinName, string>;
  }
}

interface Running {
  standins: RunningStandins;
  users: number;
}

// The workers and cli projects both list this setup; they share one set of stand-ins.
const registry = globalThis as typeof globalThis & { __flowrunnerStandins?: Promise<Running> };

/** The HTTP and SMTP stand-ins (the tickets HTTP plugin among them); dovecot has a setup of its own (imap-setup.ts), for the workers project only. */
const NAMES: StandinName[] = ["openai", "mcp", "email", "smtp", "plugins"];

/** Starts those stand-ins once per test run, on free ports of 127.0.0.1; stops them when the last project ends. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  registry.__flowrunnerStandins ??= startStandins(NAMES).then((standins) => ({ standins, users: 0 }));
  const running = await registry.__flowrunnerStandins;
  running.users++;
  project.provide("standins", running.standins.urls as Record<StandinName, string>);
  return async () => {
    if (--running.users === 0) {
      delete registry.__flowrunnerStandins;
      await running.standins.close();
    }
  };
}

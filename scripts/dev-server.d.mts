import type { ChildProcess } from "node:child_process";

/** Applies the D1 migrations to `persistTo` and starts `wrangler dev` there on a free loopback port. */
export function startDevServer(options: {
  persistTo: string;
  port?: number;
  timeoutMs?: number;
  onStart?: (child: ChildProcess) => void;
}): Promise<{ url: string; close(): Promise<void> }>;

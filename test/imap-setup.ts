import type { TestProject } from "vitest/node";
import { startImapServer } from "../scripts/standins/imap.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Ports of the local dovecot (scripts/standins/imap.mjs): STARTTLS and implicit TLS on 127.0.0.1. */
    imapPorts: { starttls: number; tls: number };
  }
}

/** Starts dovecot with its seeded mailboxes for the run; stops it and removes its directory after. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const imap = await startImapServer();
  project.provide("imapPorts", imap.ports);
  return imap.close;
}

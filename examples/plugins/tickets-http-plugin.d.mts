import type { PluginManifest } from "../../src/plugins/contract";

export function ticketsManifest(name?: string): PluginManifest;

export interface TicketsPlugin {
  /** `http://127.0.0.1:<port>`: the plugin's endpoint is `<url>/tickets`. */
  url: string;
  close(): Promise<void>;
}

export function startTicketsPlugin(options?: { port?: number; host?: string }): Promise<TicketsPlugin>;

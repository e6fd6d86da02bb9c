/**
 * Where plugins are found for an account: its stored plugins (D1/Postgres/DynamoDB, through the
 * PluginStore) and the operator's service-binding ones it may use. Built per request or per
 * execution object; holds no tenant state between accounts.
 */
import type { PluginStore } from "../storage/types";
import { PluginCatalog, SERVICE_VERSION, type AvailablePlugin } from "./catalog";
import { describeService, servicePluginBindings, type DescribedService, type ServicePluginBinding } from "./service";

export class PluginDirectory {
  /** The directory over the account store and the `PLUGIN_*` service bindings among the Worker's bindings. */
  static fromBindings(store: PluginStore, bindings: object): PluginDirectory {
    return new PluginDirectory(store, servicePluginBindings(bindings as Readonly<Record<string, unknown>>));
  }

  constructor(
    private readonly store: PluginStore,
    private readonly services: readonly ServicePluginBinding[],
  ) {}

  /** The operator's plugins this account may use, with the bindings whose describe() failed (for the operator's eyes). */
  async described(accountId: string): Promise<DescribedService[]> {
    const mine = this.services.filter((s) => s.accounts === null || s.accounts.has(accountId));
    return Promise.all(mine.map((s) => describeService(s)));
  }

  async servicePlugins(accountId: string): Promise<AvailablePlugin[]> {
    const plugins: AvailablePlugin[] = [];
    for (const described of await this.described(accountId)) {
      if (described.ok) {
        plugins.push({
          kind: "service",
          name: described.manifest.name,
          version: SERVICE_VERSION,
          manifest: described.manifest,
          service: described.binding,
        });
      }
    }
    return plugins;
  }

  /** Whether `name` is taken by an operator's plugin this account sees. */
  async isServicePlugin(accountId: string, name: string): Promise<boolean> {
    return (await this.servicePlugins(accountId)).some((p) => p.name === name);
  }

  /** Everything the account can use now. An operator's plugin wins over a stored one of the same name. */
  async catalog(accountId: string): Promise<PluginCatalog> {
    const [stored, services] = await Promise.all([this.store.list(accountId), this.servicePlugins(accountId)]);
    const taken = new Set(services.map((p) => p.name));
    const own: AvailablePlugin[] = stored
      .filter((r) => !taken.has(r.name))
      .map((record) => ({ kind: record.kind, name: record.name, version: record.version, manifest: record.manifest, record }));
    return new PluginCatalog([...services, ...own].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  }

  /**
   * The plugin a run pinned: the stored version it started with, or (version 0) the operator's
   * plugin as deployed now. Null when it is gone (deleted, or no longer offered to the account).
   */
  async pinned(accountId: string, name: string, version: number | undefined): Promise<AvailablePlugin | null> {
    if (version === SERVICE_VERSION || version === undefined) {
      const service = (await this.servicePlugins(accountId)).find((p) => p.name === name);
      if (service) return service;
      if (version === SERVICE_VERSION) return null;
    }
    const record = version === undefined ? await this.store.get(accountId, name) : await this.store.getVersion(accountId, name, version);
    return record ? { kind: record.kind, name: record.name, version: record.version, manifest: record.manifest, record } : null;
  }
}

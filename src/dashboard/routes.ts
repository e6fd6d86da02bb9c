/**
 * Every page of the dashboard by path. Pages are loaded on first visit, so the first load carries only
 * the shell and the page it opens; the flow editor (CodeMirror) is the largest.
 */
import type { ComponentType } from "preact";

export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

type PageModule = () => Promise<ComponentType<PageProps>>;

export const ROUTES: { pattern: string; load: PageModule }[] = [
  { pattern: "/flows", load: () => import("./pages/flows-list").then((m) => m.FlowsListPage) },
  { pattern: "/flows/new", load: () => import("./pages/flow-editor").then((m) => m.FlowEditorPage) },
  { pattern: "/flows/:id/edit", load: () => import("./pages/flow-editor").then((m) => m.FlowEditorPage) },
  { pattern: "/flows/:id", load: () => import("./pages/flow-page").then((m) => m.FlowPage) },
  { pattern: "/runs", load: () => import("./pages/runs-list").then((m) => m.RunsListPage) },
  { pattern: "/runs/:id", load: () => import("./pages/run-page").then((m) => m.RunPage) },
  { pattern: "/schedules", load: () => import("./pages/schedules").then((m) => m.SchedulesPage) },
  { pattern: "/webhooks", load: () => import("./pages/webhooks").then((m) => m.WebhooksPage) },
  { pattern: "/webhooks/:id", load: () => import("./pages/webhook-page").then((m) => m.WebhookPage) },
  { pattern: "/plugins", load: () => import("./pages/plugins").then((m) => m.PluginsPage) },
  { pattern: "/plugins/:name", load: () => import("./pages/plugin-page").then((m) => m.PluginPage) },
  { pattern: "/store", load: () => import("./pages/store").then((m) => m.StorePage) },
  { pattern: "/secrets", load: () => import("./pages/secrets").then((m) => m.SecretsPage) },
  { pattern: "/tokens", load: () => import("./pages/tokens").then((m) => m.TokensPage) },
  { pattern: "/audit", load: () => import("./pages/audit").then((m) => m.AuditPage) },
];

import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function PluginPage(_props: PageProps) {
  return <PageHeader title="plugin-page" subtitle="Coming in this change." />;
}

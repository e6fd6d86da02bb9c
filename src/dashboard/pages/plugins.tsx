import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function PluginsPage(_props: PageProps) {
  return <PageHeader title="plugins" subtitle="Coming in this change." />;
}

import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function FlowsListPage(_props: PageProps) {
  return <PageHeader title="flows-list" subtitle="Coming in this change." />;
}

import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function RunsListPage(_props: PageProps) {
  return <PageHeader title="runs-list" subtitle="Coming in this change." />;
}

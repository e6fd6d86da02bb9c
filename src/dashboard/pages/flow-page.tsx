import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function FlowPage(_props: PageProps) {
  return <PageHeader title="flow-page" subtitle="Coming in this change." />;
}

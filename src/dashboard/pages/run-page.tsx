import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function RunPage(_props: PageProps) {
  return <PageHeader title="run-page" subtitle="Coming in this change." />;
}

import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function AuditPage(_props: PageProps) {
  return <PageHeader title="audit" subtitle="Coming in this change." />;
}

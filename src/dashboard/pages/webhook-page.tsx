import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function WebhookPage(_props: PageProps) {
  return <PageHeader title="webhook-page" subtitle="Coming in this change." />;
}

import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function WebhooksPage(_props: PageProps) {
  return <PageHeader title="webhooks" subtitle="Coming in this change." />;
}

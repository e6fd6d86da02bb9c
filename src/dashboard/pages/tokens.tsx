import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function TokensPage(_props: PageProps) {
  return <PageHeader title="tokens" subtitle="Coming in this change." />;
}

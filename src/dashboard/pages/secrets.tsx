import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function SecretsPage(_props: PageProps) {
  return <PageHeader title="secrets" subtitle="Coming in this change." />;
}

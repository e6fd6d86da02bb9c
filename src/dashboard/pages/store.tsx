import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function StorePage(_props: PageProps) {
  return <PageHeader title="store" subtitle="Coming in this change." />;
}

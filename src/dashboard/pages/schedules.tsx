import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function SchedulesPage(_props: PageProps) {
  return <PageHeader title="schedules" subtitle="Coming in this change." />;
}

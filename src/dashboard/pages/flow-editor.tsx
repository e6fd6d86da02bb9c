import { PageHeader } from "../components/common";
import type { PageProps } from "../routes";

export function FlowEditorPage(_props: PageProps) {
  return <PageHeader title="flow-editor" subtitle="Coming in this change." />;
}

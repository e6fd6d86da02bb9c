/** Every saved version of a flow; any two of them compared line by line. */
import { useEffect, useState } from "preact/hooks";
import { get } from "../../lib/api";
import { formatAgo, formatTime } from "../../lib/format";
import { ErrorBox, Loading, Pager } from "../common";
import { DiffView } from "./diff-view";
import { flowPath, type FlowVersion } from "./flow-types";
import { usePaged } from "./use-paged";

export function VersionsTab({ flowId, current }: { flowId: string; current: number }) {
  const versions = usePaged<FlowVersion>(`${flowPath(flowId)}/versions`, "versions", { limit: 50 });
  const [pair, setPair] = useState<{ older: number; newer: number } | null>(null);
  const [contents, setContents] = useState<Map<number, string>>(new Map());
  const [error, setError] = useState<unknown>(null);

  // Until the user picks, the newest version is compared with the one before it.
  const chosen = pair ?? (versions.items.length >= 2 ? { older: versions.items[1]!.version, newer: versions.items[0]!.version } : null);

  useEffect(() => {
    if (!chosen) return;
    for (const version of [chosen.older, chosen.newer]) {
      if (contents.has(version)) continue;
      get<FlowVersion>(`${flowPath(flowId)}/versions/${version}`).then(
        (answer) => setContents((known) => new Map(known).set(version, answer.content ?? "")),
        (caught: unknown) => setError(caught),
      );
    }
  }, [chosen?.older, chosen?.newer, flowId]);

  const pick = (side: "older" | "newer", version: number) => {
    const next = { ...(chosen ?? { older: version, newer: version }), [side]: version };
    setPair(next);
  };

  if (versions.loading && versions.items.length === 0) return <Loading />;
  const oldText = chosen ? contents.get(chosen.older) : undefined;
  const newText = chosen ? contents.get(chosen.newer) : undefined;
  return (
    <div class="versions-layout">
      <div>
        <ErrorBox error={versions.error} title="The versions could not be loaded" />
        <table class="versions-table" aria-label="Versions">
          <thead>
            <tr>
              <th title="The version compared from">From</th>
              <th title="The version compared to">To</th>
              <th>Version</th>
              <th>Saved</th>
            </tr>
          </thead>
          <tbody>
            {versions.items.map((v) => (
              <tr key={v.version} data-version={v.version}>
                <td>
                  <input
                    type="radio"
                    name="older"
                    aria-label={`Compare from v${v.version}`}
                    checked={chosen?.older === v.version}
                    onChange={() => pick("older", v.version)}
                  />
                </td>
                <td>
                  <input
                    type="radio"
                    name="newer"
                    aria-label={`Compare to v${v.version}`}
                    checked={chosen?.newer === v.version}
                    onChange={() => pick("newer", v.version)}
                  />
                </td>
                <td class="mono">
                  v{v.version}
                  {v.version === current && <span class="muted"> (current)</span>}
                </td>
                <td title={formatTime(v.created_at)}>{formatAgo(v.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager cursor={versions.cursor} onMore={versions.more} loading={versions.loading} />
      </div>
      <div>
        <ErrorBox error={error} title="A version could not be loaded" />
        {!chosen ? (
          <p class="muted">This flow has one version so far. Each save makes a new one, and any two can be compared here.</p>
        ) : oldText === undefined || newText === undefined ? (
          <Loading />
        ) : (
          <DiffView oldText={oldText} newText={newText} oldLabel={`v${chosen.older}`} newLabel={`v${chosen.newer}`} />
        )}
      </div>
    </div>
  );
}

/**
 * A scrolling list that renders only the rows in view (plus a few either side), so a run of
 * thousands of steps keeps a DOM of a few dozen rows. Rows have one fixed height.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

export interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  /** Height of the scrolling area in pixels. */
  height: number;
  /** Extra rows rendered above and below the visible ones. */
  overscan?: number;
  renderRow: (item: T, index: number) => ComponentChildren;
  rowKey: (item: T) => string | number;
  /** Index to bring into view when it changes (e.g. the selected row). */
  scrollTo?: number | null;
  label?: string;
}

export function VirtualList<T>({ items, rowHeight, height, overscan = 8, renderRow, rowKey, scrollTo, label }: VirtualListProps<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);

  useEffect(() => {
    const element = box.current;
    if (scrollTo === null || scrollTo === undefined || !element) return;
    const y = scrollTo * rowHeight;
    if (y < element.scrollTop || y + rowHeight > element.scrollTop + element.clientHeight) {
      element.scrollTop = Math.max(0, y - element.clientHeight / 2);
      setTop(element.scrollTop);
    }
  }, [scrollTo, rowHeight]);

  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + overscan);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) {
    const item = items[i]!;
    rows.push(
      <div key={rowKey(item)} class="vlist-row" role="listitem" style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
        {renderRow(item, i)}
      </div>,
    );
  }
  return (
    <div
      ref={box}
      class="vlist"
      style={{ height: `${Math.min(height, Math.max(items.length * rowHeight, rowHeight))}px` }}
      onScroll={(e) => setTop((e.currentTarget as HTMLDivElement).scrollTop)}
      role="list"
      aria-label={label}
      tabIndex={0}
    >
      <div class="vlist-space" style={{ height: `${items.length * rowHeight}px` }}>
        {rows}
      </div>
    </div>
  );
}

/** A tag as a small clickable chip: clicking filters the flows by it. */
export function TagChip({ tag, active, onClick, title }: { tag: string; active?: boolean; onClick?: () => void; title?: string }) {
  if (!onClick) return <span class="tag-chip">{tag}</span>;
  return (
    <button type="button" class={`tag-chip${active ? " active" : ""}`} aria-pressed={active} onClick={onClick} title={title}>
      {tag}
    </button>
  );
}

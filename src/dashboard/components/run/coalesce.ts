/**
 * Runs `work` at most once per `gapMs`, never twice at the same time, and once more after a call that
 * came while it ran: a burst of events (a 1,000-step run replays thousands) costs a few requests.
 */
export function coalesce(work: () => Promise<void>, gapMs: number): { request: () => void; cancel: () => void } {
  let running = false;
  let again = false;
  let cancelled = false;
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const start = () => {
    timer = undefined;
    if (cancelled) return;
    running = true;
    again = false;
    last = Date.now();
    work()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) request();
      });
  };
  const request = () => {
    if (cancelled) return;
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    timer = setTimeout(start, Math.max(0, last + gapMs - Date.now()));
  };
  return {
    request,
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}

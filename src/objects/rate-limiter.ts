import { DurableObject } from "cloudflare:workers";
import type { ThrottleState } from "../services/throttle";

interface Window {
  start: number;
  count: number;
}

/**
 * A fixed-window counter, one object per key (a username, a client address).
 * Living in a Durable Object, the count is shared by every isolate, which
 * memory-local counters would not be.
 */
export class RateLimiter extends DurableObject {
  async check(limit: number, windowSeconds: number): Promise<ThrottleState> {
    return this.state(await this.current(windowSeconds), limit, windowSeconds);
  }

  async hit(limit: number, windowSeconds: number): Promise<ThrottleState> {
    const window = await this.current(windowSeconds);
    window.count += 1;
    await this.ctx.storage.put("window", window);
    return this.state(window, limit, windowSeconds);
  }

  async clear(): Promise<void> {
    await this.ctx.storage.delete("window");
  }

  private async current(windowSeconds: number): Promise<Window> {
    const now = Date.now();
    const stored = await this.ctx.storage.get<Window>("window");
    return stored && now - stored.start < windowSeconds * 1000 ? stored : { start: now, count: 0 };
  }

  private state(window: Window, limit: number, windowSeconds: number): ThrottleState {
    const retryAfter = Math.max(1, Math.ceil((window.start + windowSeconds * 1000 - Date.now()) / 1000));
    return { blocked: window.count >= limit, retry_after: retryAfter };
  }
}

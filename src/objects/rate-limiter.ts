import { DurableObject } from "cloudflare:workers";
import type { TakeResult } from "../services/rate-limit";
import type { ThrottleState } from "../services/throttle";

interface Window {
  start: number;
  count: number;
}

/**
 * A fixed-window counter, one object per key (a username, a client address,
 * an account's API requests).
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

  /**
   * Counts one request unless the window is already full, and says which
   * happened, in one round trip. Refused requests are not counted.
   */
  async take(limit: number, windowSeconds: number): Promise<TakeResult> {
    const window = await this.current(windowSeconds);
    const { retry_after } = this.state(window, limit, windowSeconds);
    if (window.count >= limit) return { allowed: false, remaining: 0, retry_after };
    window.count += 1;
    await this.ctx.storage.put("window", window);
    return { allowed: true, remaining: limit - window.count, retry_after };
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

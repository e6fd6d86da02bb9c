import { DurableObject } from "cloudflare:workers";
import type { TakeResult } from "../services/rate-limit";
import type { ThrottleState } from "../services/throttle";

interface Window {
  start: number;
  count: number;
  /** When the window closes (epoch ms); absent in windows stored before objects emptied themselves. */
  ends?: number;
}

/**
 * A fixed-window counter, one object per key (a username, a client address,
 * an account's API requests).
 * Living in a Durable Object, the count is shared by every isolate, which
 * memory-local counters would not be. An alarm at the end of each window
 * empties the object, so a key seen once (an address, a mistyped username)
 * leaves nothing stored behind.
 */
export class RateLimiter extends DurableObject {
  async check(limit: number, windowSeconds: number): Promise<ThrottleState> {
    return this.state(await this.current(windowSeconds), limit, windowSeconds);
  }

  async hit(limit: number, windowSeconds: number): Promise<ThrottleState> {
    const window = await this.current(windowSeconds);
    window.count += 1;
    await this.save(window);
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
    await this.save(window);
    return { allowed: true, remaining: limit - window.count, retry_after };
  }

  async clear(): Promise<void> {
    await this.ctx.storage.delete("window");
  }

  override async alarm(): Promise<void> {
    const stored = await this.ctx.storage.get<Window>("window");
    if (stored?.ends !== undefined && Date.now() < stored.ends) await this.ctx.storage.setAlarm(stored.ends);
    else await this.ctx.storage.deleteAll();
  }

  private async save(window: Window): Promise<void> {
    await this.ctx.storage.put("window", window);
    // One alarm per window, set when it opens.
    if (window.count === 1 && window.ends !== undefined) await this.ctx.storage.setAlarm(window.ends);
  }

  private async current(windowSeconds: number): Promise<Window> {
    const now = Date.now();
    const stored = await this.ctx.storage.get<Window>("window");
    return stored && now - stored.start < windowSeconds * 1000 ? stored : { start: now, count: 0, ends: now + windowSeconds * 1000 };
  }

  private state(window: Window, limit: number, windowSeconds: number): ThrottleState {
    const retryAfter = Math.max(1, Math.ceil((window.start + windowSeconds * 1000 - Date.now()) / 1000));
    return { blocked: window.count >= limit, retry_after: retryAfter };
  }
}

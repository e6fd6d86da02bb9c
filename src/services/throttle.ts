export interface ThrottleState {
  blocked: boolean;
  /** Seconds until the current window ends. */
  retry_after: number;
}

/** Counts failures per key (e.g. `user:alice`, `ip:203.0.113.9`); blocks a key once it reaches the limit. */
export interface Throttle {
  check(key: string): Promise<ThrottleState>;
  fail(key: string): Promise<ThrottleState>;
  clear(key: string): Promise<void>;
}

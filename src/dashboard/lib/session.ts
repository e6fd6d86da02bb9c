/**
 * Who is signed in. The token (a JWT from sign-in, or an API token pasted by the user) lives in this
 * origin's localStorage, so a run opened in a new tab needs no second sign-in: never in a URL or a
 * cookie (no request is authenticated by the browser on its own), dropped when the JWT expires or on
 * sign out. The strict CSP (public/_headers) is what keeps other scripts from reading it.
 */
import { createStore } from "./store";

export interface Session {
  token: string;
  username: string;
  accountId: string;
  /** ISO time the JWT expires; null for an API token (the server decides). */
  expiresAt: string | null;
}

const KEY = "flowrunner.session";

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Session;
    if (session.expiresAt && Date.parse(session.expiresAt) <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export const session = createStore<Session | null>(load());

export function signIn(value: Session): void {
  localStorage.setItem(KEY, JSON.stringify(value));
  session.set(value);
}

export function signOut(): void {
  localStorage.removeItem(KEY);
  session.set(null);
}

/**
 * Sign in with a username and password (a JWT from POST /api/v1/login) or with an API token (checked by
 * GET /api/v1/accounts/me), and sign up when the service allows it.
 */
import { useState } from "preact/hooks";
import { call } from "../lib/api";
import { signIn } from "../lib/session";
import { navigate } from "../lib/router";
import type { Account, LoginResult } from "../components/account/types";
import { ErrorBox, Link } from "../components/common";

async function login(username: string, password: string): Promise<void> {
  const { data } = await call<LoginResult>("/api/v1/login", { method: "POST", json: { username, password }, anonymous: true });
  signIn({ token: data.token, username: data.username, accountId: data.account_id, expiresAt: data.expires_at });
}

export function SignInPage({ next, signUp = false }: { next?: string | null; signUp?: boolean }) {
  const [mode, setMode] = useState<"password" | "token">("password");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      if (mode === "token") {
        const token = String(form.get("token") ?? "").trim();
        const { data } = await call<Account>("/api/v1/accounts/me", { headers: { Authorization: `Bearer ${token}` }, anonymous: true });
        signIn({ token, username: data.username, accountId: data.id, expiresAt: null });
      } else {
        const username = String(form.get("username") ?? "");
        const password = String(form.get("password") ?? "");
        if (signUp) await call("/api/v1/accounts", { method: "POST", json: { username, password }, anonymous: true });
        await login(username, password);
      }
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/flows", true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="sign-in">
      <form class="card" onSubmit={submit} aria-label={signUp ? "Sign up" : "Sign in"}>
        <h1>
          <img src="/favicon.svg" alt="" width="28" height="28" /> FlowRunner
        </h1>
        <h2>{signUp ? "Create an account" : "Sign in"}</h2>
        {!signUp && (
          <div class="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={mode === "password"} onClick={() => setMode("password")}>
              Password
            </button>
            <button type="button" role="tab" aria-selected={mode === "token"} onClick={() => setMode("token")}>
              API token
            </button>
          </div>
        )}
        {mode === "password" || signUp ? (
          <>
            <label>
              Username
              <input name="username" autoComplete="username" required minLength={3} autoFocus />
            </label>
            <label>
              Password
              <input
                name="password"
                type="password"
                autoComplete={signUp ? "new-password" : "current-password"}
                required
                minLength={signUp ? 8 : 1}
              />
            </label>
          </>
        ) : (
          <label>
            API token
            <input name="token" type="password" autoComplete="off" placeholder="frt_…" required />
          </label>
        )}
        <ErrorBox error={error} title={signUp ? "Could not create the account" : "Could not sign in"} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "…" : signUp ? "Create account" : "Sign in"}
        </button>
        <p class="muted">
          {signUp ? (
            <>
              Have an account? <Link to="/signin">Sign in</Link>
            </>
          ) : (
            <>
              New here? <Link to="/signup">Create an account</Link>
            </>
          )}
        </p>
      </form>
    </div>
  );
}

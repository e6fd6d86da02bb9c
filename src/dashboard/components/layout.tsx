/** The frame of every signed-in page: the navigation, who is signed in, and the page itself. */
import type { ComponentChildren } from "preact";
import { useStore } from "../lib/store";
import { session, signOut } from "../lib/session";
import { navigate, useLocation } from "../lib/router";
import { Link } from "./common";

const SECTIONS: { to: string; label: string }[] = [
  { to: "/flows", label: "Flows" },
  { to: "/runs", label: "Runs" },
  { to: "/schedules", label: "Schedules" },
  { to: "/webhooks", label: "Webhooks" },
  { to: "/plugins", label: "Plugins" },
  { to: "/store", label: "Store" },
  { to: "/secrets", label: "Secrets" },
  { to: "/tokens", label: "API tokens" },
  { to: "/audit", label: "Audit log" },
];

export function Layout({ children }: { children: ComponentChildren }) {
  const current = useStore(session);
  const { path } = useLocation();
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="Main">
        <Link to="/flows" class="brand">
          <img src="/favicon.svg" alt="" width="22" height="22" /> FlowRunner
        </Link>
        <ul>
          {SECTIONS.map((s) => (
            <li key={s.to}>
              <Link to={s.to} class={path === s.to || path.startsWith(`${s.to}/`) ? "active" : ""}>
                {s.label}
              </Link>
            </li>
          ))}
          <li>
            <a href="/docs" target="_blank" rel="noopener">
              API reference
            </a>
          </li>
        </ul>
        <div class="who">
          <span title={current?.accountId}>{current?.username}</span>
          <button
            type="button"
            class="ghost"
            onClick={() => {
              signOut();
              navigate("/signin");
            }}
          >
            Sign out
          </button>
        </div>
      </nav>
      <main class="content">{children}</main>
    </div>
  );
}

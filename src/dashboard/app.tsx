/** Picks the page for the current path; everything but sign-in needs a session. */
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ErrorBox, Loading } from "./components/common";
import { Layout } from "./components/layout";
import { match, navigate, useLocation } from "./lib/router";
import { session } from "./lib/session";
import { useStore } from "./lib/store";
import { SignInPage } from "./pages/sign-in";
import { ROUTES, type PageProps } from "./routes";

const loaded = new Map<string, ComponentType<PageProps>>();

export function App() {
  const { path, query } = useLocation();
  const current = useStore(session);

  useEffect(() => {
    if (!current && path !== "/signin" && path !== "/signup") {
      navigate(`/signin${path !== "/" ? `?next=${encodeURIComponent(path + window.location.search)}` : ""}`, true);
    } else if (current && (path === "/" || path === "/signin" || path === "/signup")) {
      navigate("/flows", true);
    }
  }, [current, path]);

  if (path === "/signin" || path === "/signup") return <SignInPage signUp={path === "/signup"} next={query.get("next")} />;
  if (!current) return null;
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (params) {
      return (
        <Layout>
          <RoutePage key={route.pattern} route={route} params={params} query={query} />
        </Layout>
      );
    }
  }
  return (
    <Layout>
      <h1>Not found</h1>
      <p class="muted">No page at this address.</p>
    </Layout>
  );
}

function RoutePage({ route, params, query }: { route: (typeof ROUTES)[number]; params: Record<string, string>; query: URLSearchParams }) {
  const [Page, setPage] = useState<ComponentType<PageProps> | null>(() => loaded.get(route.pattern) ?? null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (Page) return;
    route.load().then(
      (component) => {
        loaded.set(route.pattern, component);
        setPage(() => component);
      },
      (caught: unknown) => setError(caught),
    );
  }, [route, Page]);
  if (error) return <ErrorBox error={error} title="This page could not be loaded" />;
  if (!Page) return <Loading />;
  return <Page params={params} query={query} />;
}

/** @module The page frame shared by every dashboard page. */
import type { Child } from "hono/jsx";

/** Wraps a page: head (local CSS only), top bar with navigation, main content. */
export function Layout(
  props: { title: string; active: "overview" | "requests" | "cloud"; children?: Child },
) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · halton-meter</title>
        <link rel="stylesheet" href="/assets/dashboard.css" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/">halton-meter</a>
          <nav>
            <a href="/" class={props.active === "overview" ? "on" : ""}>Overview</a>
            <a href="/requests" class={props.active === "requests" ? "on" : ""}>Requests</a>
            <a href="/cloud" class={props.active === "cloud" ? "on" : ""}>Cloud</a>
          </nav>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** A page saying what was wrong with the request (bad period, unknown filter, missing row). */
export function ErrorPage(
  props: { title: string; message: string; active: "overview" | "requests" | "cloud" },
) {
  return (
    <Layout title={props.title} active={props.active}>
      <h1>{props.title}</h1>
      <div class="card error-box" data-testid="error">{props.message}</div>
    </Layout>
  );
}

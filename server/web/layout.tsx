/** @module The minimal HTML shell of the server's few pages (sign-in, connect). */
import type { Child } from "hono/jsx";

const CSS =
  `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1b1b1f}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input,select{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}
button{font:inherit;padding:.5rem 1rem;margin:.8rem .5rem 0 0}.code{font:600 1.6rem ui-monospace,monospace;letter-spacing:.1em}
.err{color:#a11;background:#fee;padding:.5rem}.ok{color:#060;background:#efe;padding:.5rem}.muted{color:#666}`;

/** Wraps page content in the HTML document. */
export function Layout(props: { title: string; children?: Child }): Child {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · halton-meter</title>
        <style>{CSS}</style>
      </head>
      <body>
        <h1>{props.title}</h1>
        {props.children}
      </body>
    </html>
  );
}

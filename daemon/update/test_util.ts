/**
 * @module Test helper: a loopback fake of the GitHub Releases API and its downloads
 * (`Deno.serve` on port 0). It serves `/releases/latest`, `/releases/tags/<tag>`, `/releases`
 * and `/dl/<tag>/<asset>`, with a generated `SHA256SUMS` per release unless overridden. The
 * mutable `state` lets one server play every case (404, malformed JSON, missing asset, …).
 */
import { createHash } from "node:crypto";

/** One release the fake serves. */
export interface FakeRelease {
  tag: string;
  /** Binary assets by name (e.g. `halton-meter-x86_64-unknown-linux-gnu`). */
  binaries: Record<string, Uint8Array>;
  /** SHA256SUMS content instead of the correct one. */
  sums?: string;
  /** Leave SHA256SUMS out of the assets. */
  omitSums?: boolean;
  prerelease?: boolean;
}

/** What the fake answers; change it between cases. */
export interface FakeFeedState {
  releases: FakeRelease[];
  /** The tag `/releases/latest` answers; null → 404. */
  latest: string | null;
  /** A raw body for every feed URL instead of JSON (e.g. malformed JSON). */
  rawFeed?: string;
  /** An error status and GitHub-style `{message}` for every feed URL. */
  feedError?: { status: number; message: string };
}

/** A running fake feed. */
export interface FakeFeed {
  /** The releases base (`…/releases`), for `HALTON_METER_UPDATE_URL`. */
  base: string;
  state: FakeFeedState;
  /** Every path requested, in order. */
  hits: string[];
  close(): Promise<void>;
}

/** Lowercase hex SHA-256. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Starts the fake on 127.0.0.1, port 0. */
export function startFakeFeed(state: FakeFeedState): FakeFeed {
  const hits: string[] = [];
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, (req): Response => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    hits.push(path);
    const origin: string = `http://127.0.0.1:${server.addr.port}`;
    const json = (r: FakeRelease) => ({
      tag_name: r.tag,
      html_url: `${origin}/tag/${r.tag}`,
      draft: false,
      prerelease: r.prerelease ?? false,
      assets: [
        ...Object.keys(r.binaries).map((name) => ({
          name,
          browser_download_url: `${origin}/dl/${r.tag}/${name}`,
        })),
        ...(r.omitSums ? [] : [{
          name: "SHA256SUMS",
          browser_download_url: `${origin}/dl/${r.tag}/SHA256SUMS`,
        }]),
      ],
    });
    if (state.feedError && path.startsWith("/releases")) {
      return Response.json({ message: state.feedError.message }, {
        status: state.feedError.status,
      });
    }
    if (state.rawFeed !== undefined && path.startsWith("/releases")) {
      return new Response(state.rawFeed, { headers: { "content-type": "application/json" } });
    }
    const feed = (body: unknown) => Response.json(body);
    const find = (tag: string | null) => state.releases.find((r) => r.tag === tag);
    if (path === "/releases/latest") {
      const r = find(state.latest);
      return r ? feed(json(r)) : Response.json({ message: "Not Found" }, { status: 404 });
    }
    if (path === "/releases") return feed(state.releases.map(json));
    let m = /^\/releases\/tags\/(.+)$/.exec(path);
    if (m) {
      const r = find(m[1]);
      return r ? feed(json(r)) : Response.json({ message: "Not Found" }, { status: 404 });
    }
    m = /^\/dl\/([^/]+)\/(.+)$/.exec(path);
    const r = m ? find(m[1]) : undefined;
    if (m && r) {
      if (m[2] === "SHA256SUMS" && !r.omitSums) {
        const sums = r.sums ??
          Object.entries(r.binaries).map(([n, b]) => `${sha256(b)}  ${n}\n`).join("");
        return new Response(sums);
      }
      const bin = r.binaries[m[2]];
      if (bin) return new Response(bin.slice());
    }
    return new Response("not found", { status: 404 });
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}/releases`,
    state,
    hits,
    close: () => server.shutdown(),
  };
}

/** @module A simple read-only overview page per workspace (`/w/{ws}`): last 30 days, grouped, with the unpriced count. */
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import { currentUser } from "../middleware/auth.ts";
import { membership } from "../services/accounts.ts";
import { overview } from "../services/analytics.ts";
import { formatUsd } from "../../shared/money.ts";
import { OverviewGroupBy } from "../../shared/schemas/mod.ts";
import { Layout } from "./layout.tsx";

const DAY_MS = 86_400_000;
/** Dimensions offered on the page (member needs tier team, like the API). */
const PAGE_GROUPS = ["project", "model", "provider", "device", "day"] as const;

/** `/w/:ws`. */
export function overviewPages(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/w/:ws", async (c) => {
    const who = await currentUser(c, deps);
    if (!who) return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`);
    const ws = await membership(deps.sql, who.user.id, c.req.param("ws"));
    if (!ws) {
      return c.html(
        <Layout title="Not found">
          <p class="err">No such workspace.</p>
        </Layout>,
        404,
      );
    }
    const parsed = OverviewGroupBy.safeParse(c.req.query("group_by") ?? "project");
    const groupBy = parsed.success && parsed.data !== "member" ? parsed.data : "project";
    const now = deps.clock.now();
    const from = new Date(now.getTime() - 30 * DAY_MS);
    const to = new Date(now.getTime() + DAY_MS);
    const r = await overview(deps.sql, { workspaceId: ws.id, from, to, groupBy });
    return c.html(
      <Layout title={`${ws.name}: last 30 days`}>
        <p>
          <b>{formatUsd(r.totals.cost_usd_millicents, 2)}</b> over {r.totals.requests} requests
          {r.totals.unpriced_requests
            ? ` (${r.totals.unpriced_requests} unpriced, not in the sum)`
            : ""}.
        </p>
        <p>
          Group by:{" "}
          {PAGE_GROUPS.map((g) => (
            <a key={g} href={`/w/${ws.slug}?group_by=${g}`} style="margin-right:.6rem">
              {g === groupBy ? <b>{g}</b> : g}
            </a>
          ))}
        </p>
        <table style="width:100%;border-collapse:collapse">
          <thead>
            <tr>
              <th align="left">{groupBy}</th>
              <th align="right">requests</th>
              <th align="right">unpriced</th>
              <th align="right">cost</th>
            </tr>
          </thead>
          <tbody>
            {r.groups.map((g) => (
              <tr key={g.key ?? "-"}>
                <td>{g.label ?? "(none)"}</td>
                <td align="right">{g.requests}</td>
                <td align="right">{g.unpriced_requests}</td>
                <td align="right">{formatUsd(g.cost_usd_millicents, 4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          <a href="/">Home</a>
        </p>
      </Layout>,
    );
  });
  return app;
}

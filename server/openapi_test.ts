/** @module `GET /v1/openapi.json` covers every JSON route the app serves, with schemas from shared/. */
import assert from "node:assert/strict";
import { startTestServer } from "./testing.ts";
import { OPERATIONS } from "./routes/openapi.ts";

Deno.test("openapi document", async (t) => {
  const ts = await startTestServer();
  try {
    const res = await ts.fetch("/v1/openapi.json");
    assert.equal(res.status, 200);
    const doc = await res.json();
    await t.step("is OpenAPI 3.1 with the security schemes", () => {
      assert.equal(doc.openapi, "3.1.0");
      assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), [
        "deviceToken",
        "personalToken",
        "session",
      ]);
    });
    await t.step("every /v1 route of the app is documented", () => {
      const served = new Set<string>();
      for (const r of ts.app.routes) {
        if (!r.path.startsWith("/v1/") || r.method === "ALL" || r.path === "/v1/openapi.json") {
          continue;
        }
        const p = r.path.replace(/:(\w+)/g, "{$1}");
        served.add(`${r.method.toLowerCase()} ${p}`);
      }
      const documented = new Set(
        OPERATIONS.map((o) =>
          `${o.method} ${o.path.replace(/\/(suspend|reactivate|revoke)$/, "/{action}")}`
        ),
      );
      for (const s of served) assert.ok(documented.has(s), `undocumented: ${s}`);
    });
    await t.step("the batch route carries the zod-generated envelope and answer", () => {
      const op = doc.paths["/v1/requests/batch"].post;
      const req = op.requestBody.content["application/json"].schema;
      assert.deepEqual(req.required.sort(), ["machine_id", "rows", "schema_version"]);
      const ok = op.responses["200"].content["application/json"].schema;
      assert.ok(ok.properties.accepted && ok.properties.duplicates && ok.properties.rejected);
      assert.ok(doc.paths["/v1/pairing/poll"].post.responses["410"]);
    });
  } finally {
    await ts.close();
  }
});

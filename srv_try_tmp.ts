import { startTestServer, pairDevice } from "./server/testing.ts";
const { createLogger } = await import("./server/log.ts"); const ts = await startTestServer({ logger: createLogger() });
try {
  const acct = await ts.createAccount({ email: "a@example.com", workspace: "Acme", tier: "team" });
  const cookie = await ts.login("a@example.com");
  console.log("cookie", cookie.slice(0, 20));
  const { token, machineId } = await pairDevice(ts, { cookie, workspaceId: acct.workspace.id });
  console.log("token", token.slice(0, 12));
  const who = await ts.fetch("/v1/daemon/whoami", { headers: { authorization: `Bearer ${token}` } });
  console.log(who.status, await who.json());
  const row = (model: string) => ({ request_id: crypto.randomUUID(), timestamp: new Date().toISOString(), provider: "openai", model, method: "POST", path: "/v1/chat/completions", status_code: 200, prompt_tokens: 1000, completion_tokens: 500, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd_millicents: 123 });
  const rows = [row("gpt-4o"), row("nope-model"), { request_id: "bad" }];
  const b = await ts.fetch("/v1/requests/batch", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ schema_version: 1, machine_id: machineId, rows }) });
  console.log(b.status, JSON.stringify(await b.json()));
  const b2 = await ts.fetch("/v1/requests/batch", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ schema_version: 1, machine_id: machineId, rows }) });
  console.log(b2.status, JSON.stringify(await b2.json()));
  const ov = await ts.fetch(`/v1/workspaces/${acct.workspace.slug}/overview?group_by=model`, { headers: { cookie } });
  console.log(ov.status, JSON.stringify(await ov.json()));
  const oa = await ts.fetch(`/v1/openapi.json`);
  console.log(oa.status, (await oa.text()).length);
  console.log(await ts.db.sql`SELECT model, cost_usd_millicents, unpriced, daemon_cost_usd_millicents FROM requests`);
} finally { await ts.close(); }

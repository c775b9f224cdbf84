/**
 * @module `deno task bench`: runs every `scripts/bench_*.ts` in sequence (never in parallel: each
 * measures against a baseline taken in the same run, and they would disturb each other), then
 * prints a summary. Exit code 1 when any benchmark failed.
 *
 * Usage: deno run -A scripts/bench.ts [name-filter]
 */
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("./", import.meta.url));

/** The benchmark files, sorted by name, optionally filtered by a substring. */
export function listBenches(filter = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(DIR)) {
    if (
      e.isFile && /^bench_[a-z0-9_]+\.ts$/.test(e.name) && !e.name.endsWith("_test.ts") &&
      e.name.includes(filter)
    ) {
      out.push(e.name);
    }
  }
  return out.sort();
}

async function main(): Promise<number> {
  const benches = listBenches(Deno.args[0] ?? "");
  if (benches.length === 0) {
    console.log("No benchmarks found (scripts/bench_*.ts).");
    return 0;
  }
  const summary: [string, string, number][] = [];
  for (const name of benches) {
    console.log(`\n=== ${name} ===`);
    const t0 = performance.now();
    const status = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", `${DIR}${name}`],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    const secs = (performance.now() - t0) / 1000;
    summary.push([name, status.success ? "ok" : `FAILED (exit ${status.code})`, secs]);
  }
  console.log("\n=== summary ===");
  for (const [name, result, secs] of summary) {
    console.log(`${name.padEnd(28)} ${result.padEnd(18)} ${secs.toFixed(1)} s`);
  }
  return summary.every(([, r]) => r === "ok") ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());

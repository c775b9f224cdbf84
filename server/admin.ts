/**
 * @module `deno task server:admin create-user --email … --workspace … [--password …] [--tier …] [--role …]`:
 * bootstraps an account. The password comes from --password, HALTON_ADMIN_PASSWORD, or a no-echo
 * prompt when stdin is a terminal.
 */
import { parseArgs } from "node:util";
import { openDatabase } from "./db/pool.ts";
import { migrate } from "./db/migrate.ts";
import { loadServerConfig, processEnv } from "./env.ts";
import { createLogger } from "./log.ts";
import { bootstrapAccount } from "./services/accounts.ts";
import { seedPricingRates } from "./services/pricing.ts";
import { defaultPriceTable } from "../shared/pricing/mod.ts";
import { Role, Tier } from "../shared/schemas/mod.ts";

const USAGE = `Usage: deno task server:admin create-user --email EMAIL --workspace NAME
       [--password PASSWORD] [--tier solo|team|enterprise] [--role owner|admin|editor|viewer|billing]
The password may also come from HALTON_ADMIN_PASSWORD or, on a terminal, a prompt.`;

/** Reads a line from a terminal without echoing it. */
async function promptSecret(label: string): Promise<string> {
  const enc = new TextEncoder();
  await Deno.stdout.write(enc.encode(label));
  Deno.stdin.setRaw(true);
  const buf = new Uint8Array(1);
  const bytes: number[] = [];
  try {
    for (;;) {
      const n = await Deno.stdin.read(buf);
      if (n === null) break;
      const b = buf[0];
      if (b === 3) throw new Error("Cancelled");
      if (b === 13 || b === 10) break;
      if (b === 127 || b === 8) bytes.pop();
      else bytes.push(b);
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stdout.write(enc.encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** Runs the admin CLI; returns the exit code. */
export async function adminMain(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      email: { type: "string" },
      password: { type: "string" },
      workspace: { type: "string" },
      tier: { type: "string" },
      role: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals[0] !== "create-user") {
    console.error(USAGE);
    return values.help ? 0 : 1;
  }
  if (!values.email || !values.workspace) {
    console.error(`Cannot create the user: --email and --workspace are required\n${USAGE}`);
    return 1;
  }
  const tier = values.tier === undefined ? undefined : Tier.safeParse(values.tier);
  const role = values.role === undefined ? undefined : Role.safeParse(values.role);
  if (tier && !tier.success) {
    console.error(`Cannot create the user: --tier must be solo, team or enterprise`);
    return 1;
  }
  if (role && !role.success) {
    console.error(`Cannot create the user: --role must be owner, admin, editor, viewer or billing`);
    return 1;
  }
  let password = values.password ?? Deno.env.get("HALTON_ADMIN_PASSWORD") ?? "";
  if (!password && Deno.stdin.isTerminal()) password = await promptSecret("Password: ");
  if (password.length < 8) {
    console.error(
      "Cannot create the user: the password must have at least 8 characters " +
        "(--password, HALTON_ADMIN_PASSWORD, or type it at the prompt)",
    );
    return 1;
  }
  const cfg = loadServerConfig(processEnv());
  if (!cfg.ok) {
    console.error(cfg.error);
    return 1;
  }
  const logger = createLogger({ level: "warn" });
  const db = await openDatabase({
    databaseUrl: cfg.value.databaseUrl ?? undefined,
    dataDir: cfg.value.dataDir,
    logger,
  });
  try {
    await migrate(db.sql);
    await seedPricingRates(db.sql, defaultPriceTable());
    const r = await bootstrapAccount(db.sql, {
      email: values.email,
      password,
      workspace: values.workspace,
      tier: tier?.success ? tier.data : undefined,
      role: role?.success ? role.data : undefined,
    });
    console.log(
      `${r.createdUser ? "Created" : "Updated"} user ${r.user.email} as ${r.role} of workspace ` +
        `${r.workspace.name} (${r.workspace.slug}, ${r.workspace.tier}${
          r.createdWorkspace ? ", new" : ""
        })`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

if (import.meta.main) Deno.exit(await adminMain(Deno.args));

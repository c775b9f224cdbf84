/**
 * @module `halton-meter trust [--yes]`: the exact OS commands that add the local CA to the system
 * trust store (macOS keychain, Debian/Ubuntu, Fedora/RHEL). With `--yes` it runs the one for this
 * OS (through sudo where needed).
 */
import type { Command } from "commander";
import { type HomePaths, homePaths } from "../home.ts";
import { CliError } from "./errors.ts";

/** A trust-store family. */
export type TrustOs = "macos" | "debian" | "fedora";

/** Shell-quotes a path. */
function q(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The commands per OS family, each one shell line. */
export function trustCommands(
  paths: HomePaths,
): Record<TrustOs, { label: string; command: string }> {
  const ca = q(paths.caCert);
  return {
    macos: {
      label: "macOS (System keychain)",
      command:
        `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${ca}`,
    },
    debian: {
      label: "Debian / Ubuntu",
      command:
        `sudo cp ${ca} /usr/local/share/ca-certificates/halton-meter.crt && sudo update-ca-certificates`,
    },
    fedora: {
      label: "Fedora / RHEL",
      command:
        `sudo cp ${ca} /etc/pki/ca-trust/source/anchors/halton-meter.pem && sudo update-ca-trust`,
    },
  };
}

/** This machine's trust-store family, or null when none of the three applies. */
export function detectTrustOs(osRelease?: string): TrustOs | null {
  if (Deno.build.os === "darwin") return "macos";
  if (Deno.build.os !== "linux") return null;
  let text = osRelease;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/etc/os-release");
    } catch {
      return null;
    }
  }
  const ids = [...text.matchAll(/^(ID|ID_LIKE)="?([^"\n]*)"?$/gm)].flatMap((m) =>
    m[2].toLowerCase().split(/\s+/)
  );
  if (ids.some((id) => ["debian", "ubuntu"].includes(id))) return "debian";
  if (ids.some((id) => ["fedora", "rhel", "centos"].includes(id))) return "fedora";
  return null;
}

/** Registers `trust`. */
export function register(program: Command): void {
  program
    .command("trust")
    .description("print the OS commands that trust the local CA; --yes runs the one for this OS")
    .option("--yes", "run the command for this OS now")
    .action(async (opts: { yes?: boolean }) => {
      const paths = homePaths();
      try {
        Deno.statSync(paths.caCert);
      } catch {
        throw new CliError(
          `Cannot find the CA at ${paths.caCert}: run \`halton-meter init\` first`,
        );
      }
      const cmds = trustCommands(paths);
      const os = detectTrustOs();
      if (!opts.yes) {
        console.log(
          `Trust the halton-meter CA (${paths.caCert}) system-wide with the command for your OS:`,
        );
        for (
          const [id, c] of Object.entries(cmds) as [TrustOs, { label: string; command: string }][]
        ) {
          console.log(`\n# ${c.label}${id === os ? "  <- this machine" : ""}\n${c.command}`);
        }
        console.log(
          "\nRun `halton-meter trust --yes` to run the command for this machine. Node, Python and curl can trust it" +
            " per shell instead: `halton-meter env`.",
        );
        return;
      }
      if (!os) {
        throw new CliError(
          "Cannot trust the CA automatically on this OS: run one of the commands `halton-meter trust` prints",
        );
      }
      const c = cmds[os];
      console.log(`$ ${c.command}`);
      const res = await new Deno.Command("/bin/sh", {
        args: ["-c", c.command],
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
      })
        .output();
      if (!res.success) {
        throw new CliError(`Cannot trust the CA: \`${c.command}\` exited with code ${res.code}`);
      }
      console.log("The halton-meter CA is now trusted system-wide.");
    });
}

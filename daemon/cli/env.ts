/**
 * @module `halton-meter env [--shell bash|zsh|fish|powershell] [--base-url]`: the environment that
 * routes a shell through the daemon, quoted for that shell. Proxy mode (default): HTTPS_PROXY,
 * HTTP_PROXY, NO_PROXY and CA trust for every runtime. `--base-url`: each provider SDK's base-URL
 * variable instead.
 */
import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { type HomePaths, homePaths } from "../home.ts";
import { daemonState } from "../process/runtime.ts";
import { CliError } from "./errors.ts";

/** Shells `env` can print for. */
export const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
/** A supported shell. */
export type Shell = typeof SHELLS[number];

/**
 * Base-URL variables: name → path under the daemon. Paths follow what each SDK appends:
 * `@anthropic-ai/sdk` adds `/v1/messages`, `openai` expects `/v1` in the base, `@google/genai`
 * adds `/v1beta/models/…`, `groq-sdk` adds `/openai/v1/…`; xAI and Mistral base URLs for
 * OpenAI-compatible clients end in `/v1`; DeepSeek's documented base URL has no `/v1`.
 */
export const BASE_URL_VARS: readonly [string, string][] = [
  ["ANTHROPIC_BASE_URL", "/anthropic"],
  ["OPENAI_BASE_URL", "/openai/v1"],
  ["GOOGLE_GEMINI_BASE_URL", "/gemini"],
  ["GEMINI_BASE_URL", "/gemini"],
  ["XAI_BASE_URL", "/xai/v1"],
  ["GROQ_BASE_URL", "/groq"],
  ["MISTRAL_BASE_URL", "/mistral/v1"],
  ["DEEPSEEK_BASE_URL", "/deepseek"],
];

/** The variables for a proxy address, in print order. */
export function envVars(
  paths: HomePaths,
  proxy: { hostname: string; port: number },
  baseUrl: boolean,
): [string, string][] {
  const host = ["0.0.0.0", "::", "[::]", ""].includes(proxy.hostname)
    ? "127.0.0.1"
    : proxy.hostname;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${proxy.port}`;
  if (baseUrl) return BASE_URL_VARS.map(([k, p]) => [k, origin + p]);
  return [
    ["HTTPS_PROXY", origin],
    ["HTTP_PROXY", origin],
    ["NO_PROXY", "localhost,127.0.0.1,::1"],
    ["NODE_EXTRA_CA_CERTS", paths.caCert],
    ["DENO_CERT", paths.caCert],
    ["CURL_CA_BUNDLE", paths.caCert],
    ["SSL_CERT_FILE", paths.caBundle],
    ["REQUESTS_CA_BUNDLE", paths.caBundle],
    ["NODE_USE_ENV_PROXY", "1"],
  ];
}

/** One assignment, quoted for the shell. */
export function assignment(shell: Shell, name: string, value: string): string {
  switch (shell) {
    case "bash":
    case "zsh":
      return `export ${name}='${value.replaceAll("'", `'\\''`)}'`;
    case "fish":
      return `set -gx ${name} '${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
    case "powershell":
      return `$env:${name} = '${value.replaceAll("'", "''")}'`;
  }
}

/** How to apply the output in each shell. */
function applyHint(shell: Shell, baseUrl: boolean): string {
  const cmd = `halton-meter env --shell ${shell}${baseUrl ? " --base-url" : ""}`;
  switch (shell) {
    case "bash":
    case "zsh":
      return `eval "$(${cmd})"`;
    case "fish":
      return `${cmd} | source`;
    case "powershell":
      return `${cmd} | Out-String | Invoke-Expression`;
  }
}

/** The default shell: $SHELL's basename when supported, else bash (powershell on Windows). */
export function defaultShell(): Shell {
  if (Deno.build.os === "windows") return "powershell";
  const name = (Deno.env.get("SHELL") ?? "").split("/").pop() ?? "";
  return (SHELLS as readonly string[]).includes(name) ? name as Shell : "bash";
}

/** The full text `env` prints. */
export function renderEnv(
  paths: HomePaths,
  proxy: { hostname: string; port: number },
  shell: Shell,
  baseUrl: boolean,
): string {
  const lines = [
    `# halton-meter: ${
      baseUrl ? "point SDKs at the daemon's base URLs" : "route this shell through the daemon"
    }. Apply with: ${applyHint(shell, baseUrl)}`,
    ...envVars(paths, proxy, baseUrl).map(([k, v]) => assignment(shell, k, v)),
  ];
  return lines.join("\n") + "\n";
}

/** Registers `env`. */
export function register(program: Command): void {
  program
    .command("env")
    .description("print the environment that routes a shell through the daemon")
    .option("--shell <shell>", `one of ${SHELLS.join(", ")} (default: from $SHELL)`)
    .option("--base-url", "print provider base-URL variables instead of HTTPS_PROXY and CA trust")
    .action((opts: { shell?: string; baseUrl?: boolean }) => {
      const shell = opts.shell ?? defaultShell();
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new CliError(`Unknown shell "${shell}": use one of ${SHELLS.join(", ")}`);
      }
      const paths = homePaths();
      const state = daemonState(paths);
      let proxy = state.running && state.runtime ? state.runtime.proxy : null;
      if (!proxy) {
        const config = loadConfig(paths.config);
        if (!config.ok) throw new CliError(config.error);
        proxy = { hostname: config.value.proxy.bind, port: config.value.proxy.port };
      }
      console.log(renderEnv(paths, proxy, shell as Shell, !!opts.baseUrl).trimEnd());
    });
}

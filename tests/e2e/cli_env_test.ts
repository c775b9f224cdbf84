/**
 * @module End-to-end: `halton-meter env` for every shell, proxy and base-URL modes. The bash and
 * zsh outputs are evaluated by the real shells (when installed) with a home path that needs
 * quoting, and the values read back.
 */
import assert from "node:assert/strict";
import { homePaths } from "../../daemon/home.ts";
import { runCli } from "./cli_helpers.ts";

const PROXY_VARS = [
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "NODE_EXTRA_CA_CERTS",
  "DENO_CERT",
  "CURL_CA_BUNDLE",
  "SSL_CERT_FILE",
  "REQUESTS_CA_BUNDLE",
  "NODE_USE_ENV_PROXY",
];
const BASE_VARS: Record<string, string> = {
  ANTHROPIC_BASE_URL: "http://127.0.0.1:8090/anthropic",
  OPENAI_BASE_URL: "http://127.0.0.1:8090/openai/v1",
  GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:8090/gemini",
  GEMINI_BASE_URL: "http://127.0.0.1:8090/gemini",
  XAI_BASE_URL: "http://127.0.0.1:8090/xai/v1",
  GROQ_BASE_URL: "http://127.0.0.1:8090/groq",
  MISTRAL_BASE_URL: "http://127.0.0.1:8090/mistral/v1",
  DEEPSEEK_BASE_URL: "http://127.0.0.1:8090/deepseek",
};

/** Each shell's assignment syntax, to parse the printed lines back. */
const ASSIGN: Record<string, RegExp> = {
  bash: /^export ([A-Z_]+)='(.*)'$/,
  zsh: /^export ([A-Z_]+)='(.*)'$/,
  fish: /^set -gx ([A-Z_]+) '(.*)'$/,
  powershell: /^\$env:([A-Z_]+) = '(.*)'$/,
};

function unquote(shell: string, v: string): string {
  if (shell === "powershell") return v.replaceAll("''", "'");
  if (shell === "fish") return v.replaceAll("\\'", "'").replaceAll("\\\\", "\\");
  return v.replaceAll(`'\\''`, "'");
}

function hasShell(name: string): boolean {
  try {
    return new Deno.Command("sh", {
      args: ["-c", `command -v ${name}`],
      stdout: "null",
      stderr: "null",
    }).outputSync()
      .success;
  } catch {
    return false;
  }
}

Deno.test("env prints the proxy environment for every shell", async (t) => {
  const root = await Deno.makeTempDir();
  const home = `${root}/it's a home`; // needs quoting in every shell
  const paths = homePaths(home);
  try {
    const init = await runCli(home, ["init"]);
    assert.equal(init.code, 0, init.stderr);
    const expected: Record<string, string> = {
      HTTPS_PROXY: "http://127.0.0.1:8090",
      HTTP_PROXY: "http://127.0.0.1:8090",
      NO_PROXY: "localhost,127.0.0.1,::1",
      NODE_EXTRA_CA_CERTS: paths.caCert,
      DENO_CERT: paths.caCert,
      CURL_CA_BUNDLE: paths.caCert,
      SSL_CERT_FILE: paths.caBundle,
      REQUESTS_CA_BUNDLE: paths.caBundle,
      NODE_USE_ENV_PROXY: "1",
    };
    for (const [shell, re] of Object.entries(ASSIGN)) {
      for (const baseUrl of [false, true]) {
        await t.step(`${shell}${baseUrl ? " --base-url" : ""}`, async () => {
          const r = await runCli(home, [
            "env",
            "--shell",
            shell,
            ...(baseUrl ? ["--base-url"] : []),
          ]);
          assert.equal(r.code, 0, r.stderr);
          const got: Record<string, string> = {};
          for (const line of r.stdout.trim().split("\n")) {
            if (line.startsWith("#")) continue;
            const m = re.exec(line);
            assert.ok(m, `unexpected ${shell} line: ${line}`);
            got[m[1]] = unquote(shell, m[2]);
          }
          assert.deepEqual(got, baseUrl ? BASE_VARS : expected);
          if (!baseUrl) assert.deepEqual(Object.keys(got), PROXY_VARS);
        });
      }
    }
    for (const shell of ["bash", "zsh"]) {
      if (!hasShell(shell)) continue;
      await t.step(`${shell} evaluates the output to the same values`, async () => {
        const r = await runCli(home, ["env", "--shell", shell]);
        const script =
          `${r.stdout}\nprintf '%s\\n' "$NODE_EXTRA_CA_CERTS" "$SSL_CERT_FILE" "$HTTPS_PROXY"`;
        const out = await new Deno.Command(shell, { args: ["-c", script], stdout: "piped" })
          .output();
        assert.deepEqual(new TextDecoder().decode(out.stdout).trim().split("\n"), [
          paths.caCert,
          paths.caBundle,
          "http://127.0.0.1:8090",
        ]);
      });
    }
    await t.step("an unknown shell is a one-line error, exit 1", async () => {
      const r = await runCli(home, ["env", "--shell", "tcsh"]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr.trim().split("\n").length, 1);
      assert.match(r.stderr, /Unknown shell "tcsh"/);
    });
    await t.step("the configured proxy port is used when the daemon is not running", async () => {
      const text = await Deno.readTextFile(paths.config);
      await Deno.writeTextFile(paths.config, text.replace(/^port = 8090$/m, "port = 18555"));
      const r = await runCli(home, ["env", "--shell", "bash"]);
      assert.match(r.stdout, /^export HTTPS_PROXY='http:\/\/127\.0\.0\.1:18555'$/m);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

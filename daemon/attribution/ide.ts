/**
 * @module The `parent_ide_argv_label` resolver: a known IDE or coding agent in the client's
 * parent chain whose argv names a workspace (VS Code, Cursor, JetBrains IDEs, Zed, Claude Code,
 * Codex CLI, aider). The workspace's folder name becomes the project.
 */
import { basename } from "node:path";
import { slugify } from "./slug.ts";

/** One process in a parent chain, nearest first. */
export interface ProcInfo {
  pid: number;
  argv: string[];
}

interface Tool {
  name: string;
  /** Matches an argv entry (executable or script path). */
  match: RegExp;
  /** Whether bare positional arguments may name the workspace (editors opened on a folder). */
  positional: boolean;
}

const TOOLS: Tool[] = [
  {
    name: "cursor",
    match: /(^|[/\\])cursor(\.exe)?$|[/\\]Cursor\.app[/\\]|[/\\]cursor[/\\]cursor$/i,
    positional: true,
  },
  {
    name: "vscode",
    match:
      /(^|[/\\])(code|code-insiders|codium|code-oss)(\.exe)?$|[/\\]Visual Studio Code[^/\\]*\.app[/\\]|[/\\]vscode-server[/\\]/i,
    positional: true,
  },
  {
    name: "jetbrains",
    match:
      /(^|[/\\])(idea|pycharm|webstorm|goland|clion|rider|rubymine|phpstorm|datagrip|rustrover|studio)(64)?(\.sh|\.exe)?$|com\.intellij\.idea\.Main|[/\\](JetBrains|IntelliJ IDEA|PyCharm|WebStorm|GoLand)[^/\\]*[/\\]/i,
    positional: true,
  },
  {
    name: "zed",
    match: /(^|[/\\])(zed|zeditor|zed-editor)(\.exe)?$|[/\\]Zed\.app[/\\]/i,
    positional: true,
  },
  {
    name: "claude-code",
    match: /(^|[/\\])claude(\.exe)?$|@anthropic-ai[/\\]claude-code[/\\]/i,
    positional: false,
  },
  { name: "codex", match: /(^|[/\\])codex(\.exe)?$|@openai[/\\]codex[/\\]/i, positional: false },
  {
    name: "aider",
    match: /(^|[/\\])aider(\.exe)?$|[/\\]aider[/\\]main\.py$|^aider$/i,
    positional: false,
  },
];

/** Flags whose value names a workspace folder (or a `file://` URI of one). */
const LABEL_FLAGS = new Set([
  "--folder-uri",
  "--workspace",
  "--project",
  "--project-dir",
  "--cwd",
  "--cd",
  "-C",
  "--add-dir",
  "--git-root",
]);

function labelOf(value: string): string | null {
  let v = value;
  if (v.startsWith("file://")) {
    try {
      v = decodeURIComponent(new URL(v).pathname);
    } catch {
      return null;
    }
  } else if (/^vscode-remote:\/\//.test(v)) {
    v = decodeURIComponent(v.replace(/^vscode-remote:\/\/[^/]*/, ""));
  }
  v = v.replace(/[/\\]+$/, "");
  if (v.endsWith(".code-workspace")) v = v.slice(0, -".code-workspace".length);
  return slugify(basename(v));
}

/** Finds a known tool and its workspace label in one argv, or null. */
export function ideLabelFromArgv(argv: string[]): { tool: string; label: string } | null {
  // The executable (or the script an interpreter runs) sits in the first entries; the JetBrains
  // launcher class may come after a long JVM command line.
  const idx = argv.findIndex((a, i) =>
    (i < 3 || a === "com.intellij.idea.Main") && TOOLS.some((t) => t.match.test(a))
  );
  if (idx < 0) return null;
  const tool = TOOLS.find((t) => t.match.test(argv[idx]))!;
  const rest = argv.slice(idx + 1);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const eq = a.indexOf("=");
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (LABEL_FLAGS.has(flag)) {
      const value = eq > 0 ? a.slice(eq + 1) : rest[i + 1];
      const label = value ? labelOf(value) : null;
      if (label) return { tool: tool.name, label };
    }
  }
  if (tool.positional) {
    // The editor's own subprocesses (`--type=…`) carry no folder; only the main process does.
    if (rest.some((a) => a.startsWith("--type="))) return null;
    for (let i = rest.length - 1; i >= 0; i--) {
      const a = rest[i];
      if (a.startsWith("-") || !/[/\\]/.test(a) && a !== ".") continue;
      const label = labelOf(a);
      if (label) return { tool: tool.name, label };
    }
  }
  return null;
}

/** Walks a parent chain (nearest first) and returns the first tool with a workspace label. */
export function ideLabelFromChain(
  chain: ProcInfo[],
): { project: string | null; detail: string } {
  for (const p of chain) {
    const hit = ideLabelFromArgv(p.argv);
    if (hit) return { project: hit.label, detail: `${hit.tool} (pid ${p.pid})` };
  }
  return {
    project: null,
    detail: chain.length === 0
      ? "no parent chain"
      : `no known IDE or agent with a workspace in ${chain.length} parents`,
  };
}

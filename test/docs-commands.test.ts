/**
 * Every command the README and docs/ show in a fenced `sh` block runs, as
 * written, offline. The convention (docs/testing.md, "The docs' commands"):
 *
 *   ```sh          runs offline: this test runs every line of it
 *   ```sh online   needs a cloud account, real credentials or a download
 *                  (pulumi, flyctl, modal, aws, npx, pip, a live https URL, a
 *                  model API key):
 *                  never run here, and it must hold such a command
 *   ```sh long     offline, but takes minutes (npm test, the bench, the
 *                  rehearsal): not run here; each line must name an npm script
 *                  that exists. `npm test` in particular is the suite this test
 *                  is part of (run here it would run itself) and takes about 16
 *                  minutes on a 2-core machine
 *   ```console, ```text, ```  output and transcripts; ```ts, ```yaml … code,
 *                  of which every `defineTool` example is type-checked and
 *                  loaded (so its `example` must fit its input)
 *
 * How a block runs. Each documentation file gets a throwaway copy of the
 * checkout (the working tree's files, one git commit, `origin/main` at it,
 * node_modules linked), reset to that commit before each block, so commands
 * that write (a release build, a pin, a cutover) never touch the checkout.
 * Lines run in order; a line ending in `\` goes on. A server (`npm start`,
 * `npm run dev`, `dev:edge`, `dev:auth`) is started and waited for until it
 * says it listens, with a bounded wait, and stays up for the block's later
 * lines (the "terminal 2" of the docs), until the block ends or another server
 * needs its port; it is stopped by its process id. Every other line must exit
 * 0. `NAME=$(…)` keeps NAME for the lines after it.
 *
 * What is changed on the way, and only this: the documented ports (8787, 8788,
 * 8789, 8797) become free ports of this run, so a developer's own server is
 * never hit, and the servers and `dev:sign-in` are told those ports where the
 * docs rely on their defaults. CI, the clouds' credentials and the model keys
 * are taken out of the environment: the commands run as on a laptop with no
 * account. `npm ci`
 * is not run: the copy links the checkout's install, which it would reinstall
 * from the registry.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { freePort } from "./rehearsal/accounts/processes.ts";

const root = join(import.meta.dirname, "..");
const scripts = Object.keys((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);

interface Block {
  file: string;
  line: number;
  info: string;
  body: string;
  commands: string[];
}

const NOT_COMMANDS = new Set(["", "console", "text", "ts", "yaml", "json", "python"]);
const TAGS = new Set(["sh", "sh online", "sh long"]);

/** The fenced blocks of a Markdown file, each `sh` block's lines joined across `\` and without comments. */
function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !lines[i]!.startsWith("```")) body.push(lines[i]!);
    blocks.push({ file, line: start + 1, info: open[1]!.trim(), body: body.join("\n"), commands: commandsOf(body) });
  }
  return blocks;
}

function commandsOf(body: string[]): string[] {
  const commands: string[] = [];
  let pending = "";
  for (const raw of body) {
    const line = pending + raw.replace(/^\s+/, pending ? " " : "");
    if (line.endsWith("\\")) {
      pending = line.slice(0, -1).trimEnd();
      continue;
    }
    pending = "";
    const command = line.replace(/\s+#\s.*$/, "").trim();
    if (command && !command.startsWith("#")) commands.push(command);
  }
  return commands;
}

const files = ["README.md", ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).sort().map((name) => `docs/${name}`)];
const blocks = files.flatMap(blocksOf);

test("every fenced block says what it is: sh (run here), sh online, sh long, or output and code", () => {
  const unknown = blocks.filter((block) => !TAGS.has(block.info) && !NOT_COMMANDS.has(block.info));
  assert.deepEqual(unknown.map((block) => `${block.file}:${block.line} \`\`\`${block.info}`), []);
});

/** What makes a command need the internet: a cloud CLI, a download, real credentials, a live URL. */
const ONLINE = /\b(pulumi|flyctl|fly|modal|aws|npx|pip|claude|docker)\b|https:\/\/|release:(publish|fetch)|AWS_ACCESS_KEY_ID|LITESTREAM_ACCESS_KEY_ID|ANTHROPIC_API_KEY|OPENAI_API_KEY/;

test("a block marked online holds a command that needs a cloud account, credentials or a download", () => {
  const online = blocks.filter((block) => block.info === "sh online");
  assert.ok(online.length > 0);
  assert.deepEqual(online.filter((block) => !block.commands.some((command) => ONLINE.test(command))).map((block) => `${block.file}:${block.line}`), []);
});

test("a block marked long names only npm scripts that exist", () => {
  const long = blocks.filter((block) => block.info === "sh long").flatMap((block) => block.commands.map((command) => ({ at: `${block.file}:${block.line}`, command })));
  assert.ok(long.some(({ command }) => command === "npm test"), "npm test is documented");
  const missing = long.filter(({ command }) => {
    const script = /^npm (?:run (?:-s )?)?([\w:-]+)/.exec(command)?.[1];
    return script === undefined || !scripts.includes(script);
  });
  assert.deepEqual(missing, []);
});

/** The servers the docs start, how each says it is up, and the documented ports each holds. */
const SERVERS: { command: RegExp; ready: RegExp; holds: number[] }[] = [
  { command: /\bnpm start$/, ready: /listening on http/, holds: [8787] },
  { command: /\bnpm run dev$/, ready: /listening on http/, holds: [8787] },
  { command: /\bnpm run dev:edge\b/, ready: /edge listening on http/, holds: [8788, 8787] },
  { command: /\bnpm run dev:auth\b/, ready: /dev authorization server at http/, holds: [8789] },
];
const DOCUMENTED_PORTS = [8787, 8788, 8789, 8797];
const SKIPPED: Record<string, string> = { "npm ci": "the copy links the checkout's install; npm ci would reinstall it from the registry" };

/** The environment of a laptop with no cloud account, the copy's install first on PATH. */
function laptopEnv(copy: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(copy, "node_modules", ".bin")}:${process.env.PATH}`, WRANGLER_SEND_METRICS: "false" };
  for (const name of Object.keys(env)) {
    if (name === "CI" || name === "PORT" || /^(AWS_|CLOUDFLARE_|FLY_|PULUMI_|MODAL_|GITHUB_TOKEN$|MCP_|ANTHROPIC_|OPENAI_|EVAL_)/.test(name)) delete env[name];
  }
  return env;
}

/** A copy of the checkout's working tree, committed once, with origin/main at that commit. */
function copyOfCheckout(): string {
  const copy = mkdtempSync(join(tmpdir(), "mcp-docs-"));
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  assert.equal(listed.status, 0, listed.stderr);
  for (const path of listed.stdout.split("\0").filter(Boolean)) {
    mkdirSync(dirname(join(copy, path)), { recursive: true });
    try {
      cpSync(join(root, path), join(copy, path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // deleted in the working tree, not yet in the index
    }
  }
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  const git = (...args: string[]) => {
    const run = spawnSync("git", args, { cwd: copy, encoding: "utf8" });
    assert.equal(run.status, 0, `git ${args.join(" ")}: ${run.stderr}`);
  };
  git("init", "-q");
  writeFileSync(join(copy, ".git", "info", "exclude"), "node_modules\n");
  git("add", "-A");
  git("-c", "user.name=docs", "-c", "user.email=docs@localhost", "commit", "-qm", "the checkout's working tree");
  git("update-ref", "refs/remotes/origin/main", "HEAD");
  return copy;
}

function resetCopy(copy: string): void {
  for (const args of [["reset", "-q", "--hard"], ["clean", "-qfd"]]) {
    const run = spawnSync("git", args, { cwd: copy, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
  }
}

interface Running {
  child: ChildProcess;
  holds: number[];
  output: () => string;
  exited: Promise<void>;
}

/** Signals the process group a child leads (the servers' own children with it); one already gone is no error. */
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function stop(server: Running): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    signal(server.child, "SIGTERM");
    const killed = setTimeout(() => signal(server.child, "SIGKILL"), 10_000);
    await server.exited;
    clearTimeout(killed);
  }
}

async function runBlock(block: Block, copy: string): Promise<void> {
  const ports = new Map<number, number>();
  for (const port of DOCUMENTED_PORTS) ports.set(port, await freePort());
  const env = laptopEnv(copy);
  const servers: Running[] = [];
  try {
    for (const written of block.commands) {
      if (SKIPPED[written]) continue;
      let command = written.replace(/\b(8787|8788|8789|8797)\b/g, (port) => String(ports.get(Number(port))));
      const url = `http://127.0.0.1:${ports.get(8787)}/v1/mcp`;
      if (!/--url\b/.test(command)) command = command.replace(/(npm run (?:-s )?dev:sign-in)(?: --)?/, `$1 -- --url ${url}`);
      if (!/--port\b/.test(command)) command = command.replace(/(npm run (?:-s )?dev:auth)(?: --)?/, `$1 -- --port ${ports.get(8789)}`);
      if (!/--node-port\b/.test(command)) command = command.replace(/(npm run (?:-s )?dev:edge)(?: --)?/, `$1 -- --node-port ${ports.get(8787)}`);
      const server = SERVERS.find((candidate) => candidate.command.test(written));
      if (server) {
        const holds = /\bPORT=(\d+)/.test(written) ? [Number(/\bPORT=(\d+)/.exec(written)![1])] : server.holds;
        for (const other of servers.filter((running) => running.holds.some((port) => holds.includes(port)))) await stop(other);
        const portEnv = written.includes("dev:edge") ? ports.get(8788) : ports.get(8787);
        servers.push(await startServer(command, { ...env, PORT: String(portEnv) }, copy, server.ready, holds, `${block.file}:${block.line} ${written}`));
        continue;
      }
      const assignment = /^(?:export\s+)?([A-Za-z_]\w*)=(\$\(.*\)|"[^"]*"|'[^']*'|\S+)$/.exec(command);
      const script = assignment ? `${command}\nprintf '%s' "$${assignment[1]}"` : command;
      const run = await bash(script, { cwd: copy, env });
      const shown = `${block.file}:${block.line}\n$ ${written}\n${run.stdout}${run.stderr}${servers.map((s) => `\n[server] ${s.output().slice(-1500)}`).join("")}`;
      assert.equal(run.status, 0, shown);
      if (assignment) env[assignment[1]!] = run.stdout;
    }
  } finally {
    for (const server of servers) await stop(server);
  }
}

/** Runs one line in bash, without blocking the other file's block meanwhile; a line past 150 s is killed. */
function bash(script: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn("bash", ["-e", "-o", "pipefail", "-c", script], { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const limit = setTimeout(() => {
    stderr += "\n(killed after 150 s)";
    signal(child, "SIGKILL");
  }, 150_000);
  return new Promise((resolve) => {
    child.once("close", (status) => {
      clearTimeout(limit);
      resolve({ status, stdout, stderr });
    });
  });
}

function startServer(command: string, env: NodeJS.ProcessEnv, cwd: string, ready: RegExp, holds: number[], what: string): Promise<Running> {
  const child = spawn("bash", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running: Running = { child, holds, output: () => output, exited };
  return new Promise((resolve, reject) => {
    const give = setTimeout(() => {
      void stop(running).then(() => reject(new Error(`${what}: not ready within 120 s:\n${output}`)));
    }, 120_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (ready.test(output)) {
        clearTimeout(give);
        resolve(running);
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    void exited.then(() => {
      clearTimeout(give);
      reject(new Error(`${what}: exited before it said it listens (${String(child.exitCode ?? child.signalCode)}):\n${output}`));
    });
  });
}

const copies: string[] = [];
after(() => {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
});

test("every defineTool example of the docs type-checks, and its example fits its input", { timeout: 120_000 }, async () => {
  const examples = blocks.filter((block) => block.info === "ts" && /\bdefineTool\(/.test(block.body));
  assert.ok(examples.some((block) => block.file === "README.md"), "the README shows a definition");
  const copy = copyOfCheckout();
  copies.push(copy);
  const written = examples.map((block, index) => {
    const uses = (name: string) => new RegExp(`\\b${name}\\b`).test(block.body) && !new RegExp(`import .*\\b${name}\\b`).test(block.body);
    const imports = [
      uses("z") ? `import { z } from "zod";` : "",
      uses("defineTool") ? `import { defineTool } from "./define.ts";` : "",
      uses("kbUri") ? `import { kbUri } from "./kb-document.ts";` : "",
    ].filter(Boolean);
    const path = `app/src/tools/doc-example-${index}.ts`;
    writeFileSync(join(copy, path), `// ${block.file}:${block.line}\n${imports.join("\n")}\n${block.body}\n`);
    return { path, at: `${block.file}:${block.line}` };
  });
  writeFileSync(join(copy, "tsconfig.docs.json"), JSON.stringify({ extends: "./tsconfig.json", include: [], files: written.map(({ path }) => path) }));
  const env = laptopEnv(copy);
  const checked = await bash("tsc -p tsconfig.docs.json", { cwd: copy, env });
  assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  for (const { path, at } of written) {
    // defineTool checks the name and that the example fits the input, at import.
    const loaded = await bash(`node -e 'await import("./${path}")'`, { cwd: copy, env });
    assert.equal(loaded.status, 0, `${at}: ${loaded.stderr}`);
  }
});

describe("every sh block of the README and docs/ runs offline, as written", { concurrency: 2 }, () => {
  for (const file of files) {
    const runnable = blocks.filter((block) => block.file === file && block.info === "sh");
    if (runnable.length === 0) continue;
    test(file, { timeout: 600_000 }, async (t) => {
      const copy = copyOfCheckout();
      copies.push(copy);
      for (const block of runnable) {
        await t.test(`${file}:${block.line}: ${block.commands.join("; ")}`, async () => {
          resetCopy(copy);
          await runBlock(block, copy);
        });
      }
    });
  }
});

/**
 * Whether code loads, checked in a process of its own before the process
 * that serves it is stopped: `npm run dev` restarts a server only onto code
 * that loads, so a syntax error leaves the previous process serving. A
 * failure is one line, `<file>:<line> <error>: <message>`, as an editor jumps to.
 */
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";

/** Imports the modules in a fresh Node process; resolves with undefined, or with the first error as one line. */
export function nodeModulesLoad(modules: readonly string[]): Promise<string | undefined> {
  const imports = modules.map((module) => `import(${JSON.stringify(pathToFileURL(module).href)})`).join(", ");
  return failureOf(process.execPath, ["--input-type=module", "-e", `await Promise.all([${imports}]);`], nodeErrorLine);
}

/** Imports a Python module from `dir` (and so everything it imports); resolves with undefined, or with the error as one line. */
export function pythonModuleLoads(dir: string, module: string, python = "python3"): Promise<string | undefined> {
  const script = `import sys; sys.path.insert(0, ${JSON.stringify(dir)}); import ${module}`;
  return failureOf(python, ["-c", script], pythonErrorLine, dir);
}

function failureOf(command: string, args: string[], describe: (stderr: string) => string, cwd?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], ...(cwd ? { cwd } : {}) });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", (error) => resolve(`cannot run ${command}: ${error.message}`));
    child.once("exit", (code, signal) => resolve(code === 0 ? undefined : describe(stderr) || `${command} exited (${signal ?? `code ${code}`})`));
  });
}

/**
 * Node prints a syntax error as `<file>:<line>`, the source line, a caret, then
 * `SyntaxError…: <message>`; a throw while loading puts the place in the stack.
 */
export function nodeErrorLine(stderr: string): string {
  const lines = stderr.split("\n");
  const error = lines.find((line) => /^\w*Error\b.*?: /.test(line))?.replace(/ \[\w+\]:/, ":");
  const place =
    lines.find((line) => /^(file:\/\/|\/)\S+:\d+$/.test(line)) ??
    /\((file:\/\/\S+?:\d+):\d+\)|at (file:\/\/\S+?:\d+):\d+/.exec(stderr)?.slice(1).find((match) => match !== undefined);
  const where = place?.replace(/^file:\/\//, "");
  return [where, error ?? lines.find((line) => line.trim() !== "")?.trim()].filter(Boolean).join(" ");
}

/** Python's traceback ends with `File "<file>", line <n>` (the innermost) and then `<Error>: <message>`. */
export function pythonErrorLine(stderr: string): string {
  const places = [...stderr.matchAll(/File "([^"]+)", line (\d+)/g)].filter(([, file]) => file !== "<string>");
  const last = places.at(-1);
  const error = stderr.trim().split("\n").at(-1)?.trim() ?? "";
  return last ? `${last[1]}:${last[2]} ${error}` : error;
}

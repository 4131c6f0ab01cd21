/**
 * Each tool placed on Modal needs a Python handler registered with `@tool("<name>")`
 * (app/modal/handlers.py), and each registered handler needs a tool: without the
 * first a call answers "no tool is served here", the second is dead code the
 * surface never lists. `release:build` and `npm start` refuse either.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ToolDefinition } from "./define.ts";

/** Python could not be asked (not installed, or the handlers fail to import): distinct from a mismatch. */
export class PythonHandlersUnreadable extends Error {}

export const MODAL_SOURCES = fileURLToPath(new URL("../../modal/", import.meta.url));

/**
 * The tool names Python registers, asked of Python itself (importing the handlers
 * as the runner does, modal not needed) so a comment or a string cannot fool it.
 */
export function registeredPythonTools(modalDir = MODAL_SOURCES, python = "python3"): string[] {
  const script = "import json, handlers; print(json.dumps(handlers.registered_tools()))";
  let output: string;
  try {
    output = execFileSync(python, ["-c", script], { cwd: modalDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new PythonHandlersUnreadable(`cannot list the Python tool handlers in ${modalDir}: ${stderr || (error as Error).message}`);
  }
  return JSON.parse(output) as string[];
}

/** What is wrong between the Modal-placed tools and the registered Python handlers; empty when they agree. */
export function pythonHandlerMismatches(tools: readonly Pick<ToolDefinition, "name" | "placement">[], registered: readonly string[]): string[] {
  const placed = new Set(tools.filter((tool) => tool.placement === "modal").map((tool) => tool.name));
  const defined = new Set(tools.map((tool) => tool.name));
  const problems: string[] = [];
  for (const name of placed) {
    if (!registered.includes(name)) {
      problems.push(`tool "${name}" is placed on modal but no Python handler is registered for it: expected @tool("${name}") in app/modal/${name}.py`);
    }
  }
  for (const name of registered) {
    if (!placed.has(name)) {
      const where = defined.has(name) ? "is not placed on modal" : "has no definition: expected defineTool({ name: \"" + name + "\", placement: \"modal\" }) in app/src/tools/" + name + ".ts, listed in app/src/tools/index.ts";
      problems.push(`Python handler @tool("${name}") is registered but tool "${name}" ${where}`);
    }
  }
  return problems;
}

/** Throws naming every mismatch, one a line. */
export function assertPythonHandlers(tools: readonly Pick<ToolDefinition, "name" | "placement">[], modalDir = MODAL_SOURCES): void {
  const problems = pythonHandlerMismatches(tools, registeredPythonTools(modalDir));
  if (problems.length > 0) throw new Error(problems.join("\n"));
}

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
 * Copies the modules the Modal image ships (image_contents.py decides, as modal_app.py
 * does) into a folder of their own and imports the web app's and the handlers' modules
 * there: a module the image would leave out fails here, not on Modal's first call.
 * Prints the registered tool names; `-s -E` keeps the user's site and PYTHONPATH out,
 * as they are out of the image.
 */
const LIST_AS_THE_IMAGE_SHIPS = `
import json, shutil, subprocess, sys, tempfile
from pathlib import Path
source = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(source))
import image_contents
shipped = image_contents.image_modules(source)
with tempfile.TemporaryDirectory(prefix="modal-image-") as image:
    for name in shipped:
        shutil.copy(source / f"{name}.py", image)
    check = "import sys; sys.path.insert(0, '.'); import json, asgi, handlers; print(json.dumps(handlers.registered_tools()))"
    listed = subprocess.run([sys.executable, "-s", "-E", "-c", check], cwd=image, capture_output=True, text=True)
if listed.returncode != 0:
    sys.exit("the Modal image's modules (" + ", ".join(shipped) + ") do not import on their own, so the deployed app would fail:\\n" + listed.stderr.strip())
print(listed.stdout.strip())
`;

/**
 * The tool names Python registers, asked of Python itself (importing the handlers
 * as the Modal image would hold them, modal not needed) so a comment or a string
 * cannot fool it, and a module the image leaves out is an error.
 */
export function registeredPythonTools(modalDir = MODAL_SOURCES, python = "python3"): string[] {
  let output: string;
  try {
    output = execFileSync(python, ["-c", LIST_AS_THE_IMAGE_SHIPS, modalDir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
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

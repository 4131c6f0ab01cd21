/**
 * The settings of each tool's own Modal Function in one app: what its release
 * declares (`compute` in the tool's definition), then the stack's `modal.tools`.
 * The ModalApp passes them to `modal deploy` (MCP_MODAL_TOOL_OVERRIDES), where
 * app/modal/function_specs.py applies them over the declaration the release carries.
 */
import { tools as workingTreeTools } from "../app/src/tools/index.ts";
import type { GpuChoice, ModalCompute } from "../app/src/tools/modal-compute.ts";
import { StackConfigError } from "../stacks/config-error.ts";
import type { StackConfig } from "../stacks/schema.ts";
import type { ReleaseArtifacts } from "./releases.ts";

/** One Function's settings in a stack; what the plan shows and `modal deploy` gets. */
export interface ToolFunctionSettings {
  gpu: GpuChoice;
  minContainers: number;
  maxContainers?: number;
  scaledownWindow: number;
}

/** The compute each tool of a release declares: its manifest's, or the working tree's for `local` and a placeholder. */
export function declaredCompute(found: ReleaseArtifacts): Record<string, ModalCompute> {
  return found.manifest ? computeOf(found.manifest.tools) : workingTreeCompute();
}

/** The compute each tool of the working tree declares. */
export function workingTreeCompute(): Record<string, ModalCompute> {
  return computeOf(workingTreeTools);
}

function computeOf(tools: readonly { name: string; compute?: ModalCompute }[]): Record<string, ModalCompute> {
  return Object.fromEntries(tools.flatMap((tool) => (tool.compute ? [[tool.name, tool.compute]] : [])));
}

/**
 * Each declared tool's Function in this stack. A tool keeps no container warm
 * unless the stack says so (a warm GPU is billed around the clock), and scales
 * down like the stack's web function.
 */
export function toolFunctions(declared: Record<string, ModalCompute>, modal: StackConfig["modal"]): Record<string, ToolFunctionSettings> {
  return Object.fromEntries(
    Object.entries(declared)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([tool, compute]) => {
        const override = modal.tools[tool] ?? {};
        const settings: ToolFunctionSettings = {
          gpu: override.gpu ?? compute.gpu ?? "none",
          minContainers: override.minContainers ?? 0,
          scaledownWindow: override.scaledownWindow ?? modal.scaledownWindow,
        };
        if (override.maxContainers !== undefined) settings.maxContainers = override.maxContainers;
        return [tool, settings];
      }),
  );
}

/**
 * Refuses `modal.tools` entries for tools that have no Function of their own,
 * neither in a pinned release nor in the working tree (so a stack may carry a
 * tool's settings before the release that brings the tool is pinned; an app
 * whose release lacks the tool gets none of them).
 */
export function assertToolOverrides(stack: string, modal: StackConfig["modal"], releases: readonly ReleaseArtifacts[]): void {
  const withFunction = new Set([...releases.flatMap((found) => Object.keys(declaredCompute(found))), ...Object.keys(workingTreeCompute())]);
  const unknown = Object.keys(modal.tools).filter((tool) => !withFunction.has(tool));
  if (unknown.length === 0) return;
  const known = [...withFunction].sort().join(", ") || "none";
  throw new StackConfigError(
    `stack ${stack}`,
    unknown.map((tool) => `modal.tools.${tool}: no tool named ${tool} declares compute of its own, in a pinned release or in this tree (expected one of: ${known})`),
  );
}

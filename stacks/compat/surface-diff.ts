/**
 * Compares the MCP surfaces of two releases, tool by tool: removed and added
 * tools, descriptions, annotations, and the input and output schemas
 * (schema-diff.ts); then prompts, resource templates and fixed resources
 * (prompt-resource-diff.ts). Every schema is checked before it is compared, and one
 * that cannot be read is reported with the release, the tool and its path.
 */
import { canonicalJson } from "../release/manifest.ts";
import type { Surface, SurfaceTool } from "../release/surface.ts";
import type { Finding } from "./finding.ts";
import { checkSchema, childPath, SchemaParseError } from "./json-schema.ts";
import { diffPromptsAndResources } from "./prompt-resource-diff.ts";
import { diffSchemas } from "./schema-diff.ts";
import { show } from "./walk.ts";

/** A release's surface, named for messages. */
export interface SurfaceOf {
  release: string;
  surface: Surface;
}

const COMPARED = new Set(["name", "title", "description", "inputSchema", "outputSchema", "annotations"]);

/** Every difference from `before` to `after`, in the order of `before`'s tools, then the added ones. */
export function diffSurfaces(before: SurfaceOf, after: SurfaceOf): Finding[] {
  checkSurface(before);
  checkSurface(after);
  const now = new Map(after.surface.tools.map((tool) => [tool.name, tool]));
  const was = new Set(before.surface.tools.map((tool) => tool.name));
  const findings: Finding[] = [];
  for (const old of before.surface.tools) {
    const current = now.get(old.name);
    if (!current) findings.push({ verdict: "breaking", tool: old.name, path: "$", reason: "tool removed (or renamed): a pinned client calling it gets an unknown-tool error" });
    else findings.push(...diffTool(old, current));
  }
  for (const added of after.surface.tools.filter((tool) => !was.has(tool.name))) {
    findings.push({ verdict: "compatible", tool: added.name, path: "$", reason: "tool added: pinned clients do not know it, so nothing they do changes" });
  }
  findings.push(...diffPromptsAndResources(before.surface, after.surface));
  return findings;
}

/** The differences of one tool between two releases. */
export function diffTool(before: SurfaceTool, after: SurfaceTool): Finding[] {
  const tool = before.name;
  const findings: Finding[] = [];
  const changed = (a: unknown, b: unknown) => canonicalJson(a) !== canonicalJson(b);
  if (changed(before.description, after.description)) {
    findings.push({ verdict: "review", tool, path: "$.description", reason: "description changed: descriptions steer models; watch tool selection after this change" });
  }
  if (changed(before.title, after.title)) {
    findings.push({ verdict: "compatible", tool, path: "$.title", reason: `title ${show(before.title ?? null)} → ${show(after.title ?? null)}: display only` });
  }
  const hints = new Set([...Object.keys(before.annotations ?? {}), ...Object.keys(after.annotations ?? {})]);
  for (const hint of hints) {
    const was = before.annotations?.[hint];
    const now = after.annotations?.[hint];
    if (!changed(was, now)) continue;
    findings.push({
      verdict: "review",
      tool,
      path: childPath("$.annotations", hint),
      reason: `annotation ${hint} ${show(was ?? null)} → ${show(now ?? null)}: clients use hints to decide what to run without asking`,
    });
  }
  findings.push(...diffSchemas(tool, "input", "$.inputSchema", before.inputSchema, after.inputSchema));
  if (before.outputSchema && after.outputSchema) {
    findings.push(...diffSchemas(tool, "output", "$.outputSchema", before.outputSchema, after.outputSchema));
  } else if (before.outputSchema) {
    findings.push({ verdict: "breaking", tool, path: "$.outputSchema", reason: "output schema removed: a pinned client reading structured results loses what it relies on" });
  } else if (after.outputSchema) {
    findings.push({ verdict: "compatible", tool, path: "$.outputSchema", reason: "output schema added: results now promise structured content, which pinned clients may ignore" });
  }
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (COMPARED.has(key) || !changed(before[key], after[key])) continue;
    findings.push({ verdict: "review", tool, path: childPath("$", key), reason: `${key} changed, which this checker does not model: judge what it does to clients` });
  }
  return findings;
}

/** Checks every schema of a surface, naming the release and the tool of a bad one. */
export function checkSurface({ release, surface }: SurfaceOf): void {
  for (const tool of surface.tools) {
    try {
      checkSchema(tool.inputSchema, "$.inputSchema");
      if (tool.outputSchema) checkSchema(tool.outputSchema, "$.outputSchema");
    } catch (error) {
      if (!(error instanceof SchemaParseError)) throw error;
      throw new SchemaParseError(`release ${release}, tool ${tool.name}: a schema cannot be read: ${error.message}`);
    }
  }
}

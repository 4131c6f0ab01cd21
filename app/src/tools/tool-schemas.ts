/**
 * The input JSON Schema of every Modal-placed tool, as `tool_schemas.json` beside
 * the Python handlers: the Python side validates a call's arguments against it
 * (app/modal/tool_arguments.py), so the zod definition stays the only place a
 * tool's input is written. A release carries the file among its Modal sources
 * (stacks/release/build.ts); locally the compute runner writes it before it starts.
 * The file is generated, never edited, and git-ignored.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { ToolDefinition } from "./define.ts";
import type { ModalCompute } from "./modal-compute.ts";

export const TOOL_SCHEMAS_FILE = "tool_schemas.json";

/**
 * The conversion the MCP SDK makes for `tools/list` (zod's Standard JSON Schema,
 * input side, draft 2020-12): the Python side checks what clients are shown.
 */
export function toolInputJsonSchema(tool: Pick<ToolDefinition, "input">): Record<string, unknown> {
  return z.toJSONSchema(tool.input, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}

/** What the file is written from: a tool's name, placement, input and, on Modal, its declared compute. */
export type SchemaSource = Pick<ToolDefinition, "name" | "placement" | "input"> & { compute?: ModalCompute };

/**
 * The file's text: the Modal-placed tools' input schemas by name, in name order,
 * and the compute each declares (modal_app.py gives those a Modal Function of their own).
 */
export function toolSchemasText(tools: readonly SchemaSource[]): string {
  const modal = tools.filter((tool) => tool.placement === "modal").sort((a, b) => (a.name < b.name ? -1 : 1));
  const document = {
    $comment: "Generated from the zod definitions in app/src/tools/ (app/src/tools/tool-schemas.ts); do not edit.",
    tools: Object.fromEntries(modal.map((tool) => [tool.name, toolInputJsonSchema(tool)])),
    compute: Object.fromEntries(modal.flatMap((tool) => (tool.compute ? [[tool.name, tool.compute]] : []))),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/**
 * Writes `tool_schemas.json` into `modalDir` when its text differs (a watcher
 * sees no change otherwise), by rename, so a runner starting meanwhile reads a
 * whole file. Returns the file's path.
 */
export function writeToolSchemas(tools: readonly SchemaSource[], modalDir: string): string {
  const path = join(modalDir, TOOL_SCHEMAS_FILE);
  const text = toolSchemasText(tools);
  if (existsSync(path) && readFileSync(path, "utf8") === text) return path;
  const partial = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, path);
  return path;
}

/**
 * The MCP surface of a release: what a client sees of it, exactly as the
 * server lists it: its tools (`tools/list`: name, title, description, input
 * and output JSON Schemas, annotations), its prompts (`prompts/list`, with
 * their arguments), its resource templates (`resources/templates/list`) and
 * its fixed resources (`resources/list` on a server holding no data, so only
 * the resources the registry declares, never knowledge-base documents).
 *
 * The schemas are kept as the JSON the server sends, not as zod: they are
 * what a pinned client validates against, and what the compatibility checker
 * (stacks/compat/) compares.
 */
import * as z from "zod";

/** A JSON Schema as a server publishes it: an object, or `true`/`false`. Its keywords are checked when compared. */
export const jsonSchemaValue = z.union([z.boolean(), z.record(z.string(), z.unknown())]);
export type JsonSchemaValue = z.output<typeof jsonSchemaValue>;

/** One entry of a `tools/list` result (MCP schema `Tool`); unknown fields are kept, since they reach clients too. */
export const surfaceToolSchema = z.looseObject({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
});
export type SurfaceTool = z.output<typeof surfaceToolSchema>;

/** One entry of `prompts/list` (MCP schema `Prompt`). */
export const surfacePromptSchema = z.looseObject({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  arguments: z.array(z.looseObject({ name: z.string().min(1), description: z.string().optional(), required: z.boolean().optional() })).optional(),
});
export type SurfacePrompt = z.output<typeof surfacePromptSchema>;

/** One entry of `resources/templates/list` (MCP schema `ResourceTemplate`). */
export const surfaceResourceTemplateSchema = z.looseObject({ name: z.string().min(1), uriTemplate: z.string().min(1) });
export type SurfaceResourceTemplate = z.output<typeof surfaceResourceTemplateSchema>;

/** One entry of `resources/list` (MCP schema `Resource`). */
export const surfaceResourceSchema = z.looseObject({ name: z.string().min(1), uri: z.string().min(1) });
export type SurfaceResource = z.output<typeof surfaceResourceSchema>;

export const surfaceSchema = z.object({
  /** The protocol revision the surface was listed under. */
  protocolVersion: z.string(),
  tools: z.array(surfaceToolSchema),
  /** Absent in manifests recorded before prompts and resources existed: there were none. */
  prompts: z.array(surfacePromptSchema).optional(),
  resourceTemplates: z.array(surfaceResourceTemplateSchema).optional(),
  resources: z.array(surfaceResourceSchema).optional(),
});
export type Surface = z.output<typeof surfaceSchema>;

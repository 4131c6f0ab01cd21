/**
 * The MCP surface of a release: what a client sees of it. Today that is the
 * tools, exactly as the server lists them on `tools/list` (name, title,
 * description, input and output JSON Schemas, annotations); the server
 * declares no prompts, resources or resource templates yet (it advertises only
 * the `tools` capability, app/src/server/build-server.ts), so there are none
 * to record.
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

export const surfaceSchema = z.object({
  /** The protocol revision the surface was listed under. */
  protocolVersion: z.string(),
  tools: z.array(surfaceToolSchema),
});
export type Surface = z.output<typeof surfaceSchema>;

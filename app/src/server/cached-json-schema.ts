import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import type { z } from "zod";

type Io = "input" | "output";
const wrapped = new WeakMap<z.ZodObject, StandardSchemaWithJSON>();

/**
 * A tool's input schema whose JSON Schema is computed once per process. The
 * SDK converts a tool's schema to JSON Schema on `tools/list` and before each
 * `tools/call` (header validation), and caches it per `McpServer`; the
 * 2026-07-28 era builds a server per request, so without this each call paid
 * for a zod → JSON Schema conversion. Validation still runs zod's own.
 */
export function withCachedJsonSchema(schema: z.ZodObject): StandardSchemaWithJSON {
  const known = wrapped.get(schema);
  if (known !== undefined) return known;
  const standard = schema["~standard"] as StandardSchemaWithJSON["~standard"];
  const conversions = new Map<string, Record<string, unknown>>();
  const convert =
    (io: Io) =>
    (options: Parameters<StandardSchemaWithJSON["~standard"]["jsonSchema"]["input"]>[0]): Record<string, unknown> => {
      const key = `${io} ${options.target} ${JSON.stringify(options.libraryOptions ?? null)}`;
      let json = conversions.get(key);
      if (json === undefined) {
        json = standard.jsonSchema[io](options);
        conversions.set(key, json);
      }
      return json;
    };
  const cached: StandardSchemaWithJSON = {
    "~standard": {
      version: standard.version,
      vendor: standard.vendor,
      validate: standard.validate,
      jsonSchema: { input: convert("input"), output: convert("output") },
    },
  };
  wrapped.set(schema, cached);
  return cached;
}

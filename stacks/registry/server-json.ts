/**
 * The stack's entry in the official MCP registry: a `server.json` with a remote
 * per API version, made from the stack's own config and its live release.
 *
 * The format is the registry's `ServerDetail`, as published in
 * modelcontextprotocol/registry docs/reference/server-json/server.schema.json
 * (first read at commit 7c0bbf25, the 2025-09-29 version). The file names the
 * 2025-12-11 version, the registry's current one (its copy in
 * internal/validators/schemas/2025-12-11.json, commit e361b5ff), because only
 * the current one is accepted for a new publication: the publisher CLI stops
 * at "deprecated schema detected" (its schema-version check before sending,
 * cmd/publisher/commands/publish.go at d7968ae2; seen for 2025-09-29 in
 * ggozad/haiku.rag#116), the API answers 400 "schema version … is not
 * supported" (dynatrace-oss/dynatrace-mcp#228), by the maintainers' choice in
 * modelcontextprotocol/registry#488; and a publisher older than the schema
 * refuses it too (#875), so the pin in promote.yml moves with it. For the fields written
 * here nothing changed between the two (docs/reference/server-json/CHANGELOG.md:
 * 2025-10-11 and 2025-10-17 are about packages, 2025-12-11 about URL template
 * variables, which a remote here never has). That schema is not copied here: the
 * rules below are its constraints on the fields this file writes (name, description,
 * version, remotes, repository, websiteUrl), checked with zod.
 */
import * as z from "zod";
import { formatIssues } from "../config-error.ts";
import { show, strict } from "../rules.ts";
import { httpsUrl, registryBlockSchema } from "./block.ts";
import { inVersionOrder, type StackConfig } from "../schema.ts";

/** The schema a server.json names, so the registry and its publisher check it against the same version. */
export const SERVER_SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";

/** Ranges the registry refuses as a version (its `version` description): ^1.2.3, ~1.2.3, >=1.2.3, 1.x, 1.*. */
const VERSION_RANGE = /^[\^~<>=]|\.[x*](\.|$)/;

const serverJsonSchema = z
  .object({
    $schema: z.literal(SERVER_SCHEMA_URL),
    name: registryBlockSchema.shape.name,
    description: registryBlockSchema.shape.description,
    version: z
      .string()
      .min(1)
      .max(255)
      .refine((version) => version !== "latest" && !VERSION_RANGE.test(version), { error: (iss) => `${show(iss.input)} is a range or "latest" (expected one specific version)` }),
    websiteUrl: httpsUrl.optional(),
    repository: strict({ url: httpsUrl, source: z.string().min(1) }).optional(),
    remotes: z.array(strict({ type: z.enum(["streamable-http", "sse"]), url: httpsUrl })).min(1),
  })
  .strict();
export type ServerJson = z.output<typeof serverJsonSchema>;

/** Problems of a server.json against the registry's rules, each with its JSON path; empty when it is valid. */
export function serverJsonProblems(document: unknown): string[] {
  const parsed = serverJsonSchema.safeParse(document);
  return parsed.success ? [] : formatIssues(parsed.error.issues);
}

/**
 * The server.json of `stack`: a streamable-http remote per API version, in
 * version order, at the URL its Worker serves, and as version the release the
 * first API version serves live (the one `verify --expect-release` checks).
 */
export function serverJson(stack: string, config: StackConfig): ServerJson {
  if (!config.registry) throw new Error(`stack ${stack} has no registry block (expected registry: { name, description } in Pulumi.${stack}.yaml)`);
  const order = inVersionOrder(Object.keys(config.apiVersions));
  const first = config.apiVersions[order[0]!]!;
  const { name, description, websiteUrl, repository } = config.registry;
  return {
    $schema: SERVER_SCHEMA_URL,
    name,
    description,
    version: first.slots[first.live].release,
    ...(websiteUrl ? { websiteUrl } : {}),
    ...(repository ? { repository } : {}),
    remotes: order.map((apiVersion) => ({ type: "streamable-http" as const, url: `https://${config.domain}${config.apiVersions[apiVersion]!.route}/mcp` })),
  };
}

/**
 * The stack's `registry` block: what the team owns and says about its server in
 * the official MCP registry. Its rules are the registry's own for these fields
 * (stacks/registry/server-json.ts says where they come from).
 */
import * as z from "zod";
import { show, strict } from "../rules.ts";

export const httpsUrl = z.string().refine((value) => URL.canParse(value) && new URL(value).protocol === "https:", { error: (iss) => `${show(iss.input)} is not an https:// URL` });

/** The stack's `registry` block: what the team owns and says about the server. */
export const registryBlockSchema = strict({
  /** Reverse-DNS namespace the team owns, a slash, the server's name; `io.github.<org>/…` for the registry's GitHub login. */
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/, { error: (iss) => `${show(iss.input)} is not a registry name (expected <reverse-DNS namespace>/<name>, e.g. io.github.acme/mcp-hosting)` }),
  /** One line for people browsing the registry: what the server does (at most 100 characters). */
  description: z.string().min(1).max(100),
  websiteUrl: httpsUrl.optional(),
  repository: strict({ url: httpsUrl, source: z.string().min(1) }).optional(),
});
export type RegistryBlock = z.output<typeof registryBlockSchema>;


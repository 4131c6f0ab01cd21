import { z } from "zod";
import { argumentNames } from "../tools/define-prompt.ts";
import { templateVariables } from "../tools/define-resource.ts";
import type { Catalog, Placement } from "../tools/index.ts";
import type { CallTarget } from "../upstream/call-stream.ts";
import type { Operation } from "./operation.ts";

const Strings = z.record(z.string(), z.string());
const ReadBody = z.object({ uri: z.string().min(1).max(8192), variables: Strings.default({}) });
const CompleteBody = z.object({ argument: z.string().min(1), value: z.string().max(8192), context: Strings.default({}) });

/** The definition a signed call names, among those this host serves, or `undefined`. */
export function definitionFor(catalog: Catalog, target: CallTarget): { name: string; placement: Placement; writes?: boolean } | undefined {
  const pool = target.kind === "tools" ? catalog.tools : target.kind === "prompts" ? catalog.prompts : catalog.resources;
  return pool.find((definition) => definition.name === target.name);
}

/**
 * Rebuilds the operation a signed call asks for from its body (call-stream.ts
 * lists the bodies), or says what is wrong with the body. The edge checked
 * the request already; this is the receiver's own check of what it runs.
 */
export function operationFor(catalog: Catalog, target: CallTarget, body: unknown): Operation | string {
  const complain = (error: z.ZodError) => `invalid ${target.action ?? "arguments"} for ${target.name}: ${error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`).join("; ")}`;
  if (target.kind === "tools") {
    const tool = catalog.tools.find((candidate) => candidate.name === target.name)!;
    const parsed = tool.input.safeParse(body);
    return parsed.success ? { kind: "tool", tool, args: parsed.data } : complain(parsed.error);
  }
  if (target.kind === "prompts") {
    const prompt = catalog.prompts.find((candidate) => candidate.name === target.name)!;
    if (target.action === "complete") return completion({ prompt }, argumentNames(prompt), body, complain);
    const parsed = (prompt.args ?? Strings).safeParse(body);
    return parsed.success ? { kind: "prompt", prompt, args: parsed.data as Record<string, string> } : complain(parsed.error);
  }
  const resource = catalog.resources.find((candidate) => candidate.name === target.name)!;
  if (target.action === "list") return { kind: "list", resource };
  if (target.action === "complete") return completion({ resource }, "template" in resource ? templateVariables(resource.template) : [], body, complain);
  const parsed = ReadBody.safeParse(body);
  return parsed.success ? { kind: "read", resource, target: parsed.data } : complain(parsed.error);
}

function completion(of: Extract<Operation, { kind: "complete" }>["of"], names: string[], body: unknown, complain: (error: z.ZodError) => string): Operation | string {
  const parsed = CompleteBody.safeParse(body);
  if (!parsed.success) return complain(parsed.error);
  if (!names.includes(parsed.data.argument)) return `no argument ${JSON.stringify(parsed.data.argument)} to complete; the arguments are ${names.join(", ") || "none"}`;
  return { kind: "complete", of, request: parsed.data };
}

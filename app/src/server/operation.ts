import type { PromptDefinition } from "../tools/define-prompt.ts";
import type { ResourceDefinition, ResourceTarget } from "../tools/define-resource.ts";
import type { Placement, ToolDefinition } from "../tools/define.ts";
import type { CallTarget } from "../upstream/call-stream.ts";

/** What a completion asks for: one argument (or template variable), what was typed, and the other values chosen. */
export interface CompletionRequest {
  argument: string;
  value: string;
  context: Record<string, string>;
}

/**
 * One unit of work the registry's definitions do, wherever it runs: the
 * MCP request handlers build it, the signed endpoint rebuilds it from a
 * signed call, and the invoker runs it in-process or forwards it.
 */
export type Operation =
  | { kind: "tool"; tool: ToolDefinition; args: unknown }
  | { kind: "prompt"; prompt: PromptDefinition; args: Record<string, string> }
  | { kind: "read"; resource: ResourceDefinition; target: ResourceTarget }
  | { kind: "list"; resource: ResourceDefinition }
  | { kind: "complete"; of: { prompt: PromptDefinition } | { resource: ResourceDefinition }; request: CompletionRequest };

/** The definition an operation belongs to. */
export function definitionOf(operation: Operation): { name: string; placement: Placement; writes?: boolean } {
  switch (operation.kind) {
    case "tool":
      return operation.tool;
    case "prompt":
      return operation.prompt;
    case "read":
    case "list":
      return operation.resource;
    case "complete":
      return "prompt" in operation.of ? operation.of.prompt : operation.of.resource;
  }
}

/** Where and with what body an operation crosses the signed call (call-stream.ts). */
export function wireCall(operation: Operation): { target: CallTarget; body: unknown } {
  switch (operation.kind) {
    case "tool":
      return { target: { kind: "tools", name: operation.tool.name }, body: operation.args };
    case "prompt":
      return { target: { kind: "prompts", name: operation.prompt.name }, body: operation.args };
    case "read":
      return { target: { kind: "resources", name: operation.resource.name }, body: operation.target };
    case "list":
      return { target: { kind: "resources", name: operation.resource.name, action: "list" }, body: {} };
    case "complete": {
      const of = "prompt" in operation.of ? { kind: "prompts" as const, name: operation.of.prompt.name } : { kind: "resources" as const, name: operation.of.resource.name };
      return { target: { ...of, action: "complete" }, body: operation.request };
    }
  }
}

import type { InputRequiredResult, PromptMessage } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Completer } from "./completion.ts";
import type { HandlerContext } from "./context.ts";
import type { PlacementState } from "./define.ts";
import { checkDefinition } from "./definition-rules.ts";

/** What `prompts/get` answers: the rendered messages (an `edge` prompt may ask for input first, 2026-07-28). */
export type PromptResult = { description?: string; messages: PromptMessage[] } | InputRequiredResult;

interface PromptCommon<Args extends z.ZodObject> {
  /** snake_case, unique among the prompts. */
  name: string;
  /** A human-readable name for pickers. */
  title?: string;
  /** Written for the user who picks it: what the prompt produces. */
  description: string;
  /**
   * The prompt's arguments. MCP passes prompt arguments as strings, so every
   * field is a (possibly optional) string; `.describe()` becomes the
   * argument's description in `prompts/list`.
   * @default no arguments
   */
  args?: Args;
  /** Arguments that render the prompt, used by smoke tests. */
  example?: z.input<Args>;
}

/** A prompt rendered in the Worker and Node (`edge`) or in the Fly service (`fly`). */
export interface LocalPrompt<P extends "edge" | "fly", Args extends z.ZodObject = z.ZodObject> extends PromptCommon<Args> {
  placement: P;
  handler: (args: z.output<Args>, ctx: HandlerContext<PlacementState[P]>) => Promise<PromptResult>;
  /**
   * Completers of arguments, by name (`completion/complete`); run where the
   * prompt runs. An argument without one completes to nothing.
   */
  complete?: { readonly [K in keyof z.output<Args>]?: Completer<PlacementState[P]> };
}

/** A prompt declared here and rendered by the Python compute app (`app/modal/`). */
export interface RemotePrompt<Args extends z.ZodObject = z.ZodObject> extends PromptCommon<Args> {
  placement: "modal";
}

export type PromptDefinition = LocalPrompt<"edge"> | LocalPrompt<"fly"> | RemotePrompt;

/** Declares a prompt once; every runtime serves it from this definition, forwarding it to its placement. */
export function definePrompt<Args extends z.ZodObject>(prompt: LocalPrompt<"edge", Args>): PromptDefinition;
export function definePrompt<Args extends z.ZodObject>(prompt: LocalPrompt<"fly", Args>): PromptDefinition;
export function definePrompt<Args extends z.ZodObject>(prompt: RemotePrompt<Args>): PromptDefinition;
export function definePrompt(prompt: PromptDefinition): PromptDefinition {
  checkDefinition("prompt", prompt.name, undefined, prompt.args, prompt.example ?? {});
  const names = argumentNames(prompt);
  if (prompt.args !== undefined) {
    const properties = (z.toJSONSchema(prompt.args, { io: "input" }).properties ?? {}) as Record<string, { type?: unknown }>;
    const notText = names.find((name) => properties[name]?.type !== "string");
    if (notText !== undefined) throw new Error(`prompt ${prompt.name}: argument ${notText} must be a string (MCP passes prompt arguments as strings)`);
  }
  const stray = prompt.placement === "modal" ? undefined : Object.keys(prompt.complete ?? {}).find((name) => !names.includes(name));
  if (stray !== undefined) throw new Error(`prompt ${prompt.name}: completer for ${stray}, which is not one of its arguments (${names.join(", ") || "none"})`);
  return prompt;
}

/** The names of a prompt's arguments, in declaration order. */
export function argumentNames(prompt: Pick<PromptDefinition, "args">): string[] {
  return Object.keys(prompt.args?.shape ?? {});
}

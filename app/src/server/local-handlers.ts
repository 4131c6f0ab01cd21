import type { HandlerContext } from "../tools/context.ts";
import type { Completer } from "../tools/completion.ts";
import type { Operation } from "./operation.ts";

/**
 * Runs an operation's handler in this process. The caller has checked that
 * this host runs its placement and passes that placement's state in `ctx`;
 * a definition placed `modal` has no handler here and never reaches this.
 */
export async function runLocally(operation: Operation, ctx: HandlerContext<never>): Promise<unknown> {
  switch (operation.kind) {
    case "tool":
      return "handler" in operation.tool ? operation.tool.handler(operation.args as never, ctx) : unplaced(operation.tool.name);
    case "prompt":
      return "handler" in operation.prompt ? operation.prompt.handler(operation.args as never, ctx) : unplaced(operation.prompt.name);
    case "read":
      return "read" in operation.resource ? operation.resource.read(operation.target, ctx) : unplaced(operation.resource.name);
    case "list": {
      const resource = operation.resource;
      return "list" in resource && resource.list !== undefined ? resource.list(ctx) : [];
    }
    case "complete": {
      const completer = completerOf(operation.of, operation.request.argument);
      return completer === undefined ? [] : completer(operation.request.value, { ...ctx, arguments: operation.request.context });
    }
  }
}

function completerOf(of: Extract<Operation, { kind: "complete" }>["of"], argument: string): Completer<never> | undefined {
  const definition = "prompt" in of ? of.prompt : of.resource;
  if (definition.placement === "modal" || !("complete" in definition)) return undefined;
  const completers = definition.complete as Readonly<Record<string, Completer<never> | undefined>> | undefined;
  return completers !== undefined && Object.hasOwn(completers, argument) ? completers[argument] : undefined;
}

function unplaced(name: string): never {
  throw new Error(`${name} has no handler in this runtime (it is placed modal)`);
}

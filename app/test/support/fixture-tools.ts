// Test-only tools: misbehaving on purpose, or probing the protocol. Never part of the shipped registry.
import { setTimeout as sleep } from "node:timers/promises";
import {
  inputRequired,
  inputResponse,
  type CallToolResult,
  type InputRequiredResult,
  type McpServer,
  type ServerContext,
  type ServerEventBus,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { defineTool } from "../../src/tools/define.ts";
import { memoryHog } from "./memory-hog.ts";

export const explode = defineTool({
  name: "test_explode",
  placement: "edge",
  description: "Test fixture: always throws.",
  input: z.object({}),
  example: {},
  handler: async () => {
    throw new Error("kaboom from the fixture");
  },
});

export const hang = defineTool({
  name: "test_hang",
  placement: "edge",
  description: "Test fixture: never answers.",
  input: z.object({}),
  example: {},
  handler: () => new Promise(() => undefined),
});

export const fixtureTools = [explode, hang, memoryHog];

// ---------------------------------------------------------------------------
// Conformance fixtures: the diagnostic tools `@modelcontextprotocol/conformance`
// looks up by name. They need what `defineTool` deliberately hides (the SDK's
// own request context: SSE stream control, multi-round-trip results, the
// request-scoped log channel) or the app's change-event bus, so they are
// registered straight onto each McpServer through `createNodeApp`'s `decorate`
// hook and never pass through `buildMcpServer`'s handler wrapper.

/** What the `decorate` hook hands a fixture besides the SDK's request context. */
export interface FixtureApp {
  /** The bus feeding every endpoint's `subscriptions/listen` streams. */
  events: ServerEventBus;
}

/** A test-only tool without arguments, written against the SDK's `ServerContext`. */
export interface SdkFixtureTool {
  name: string;
  description: string;
  sdkHandler: (ctx: ServerContext, app: FixtureApp) => Promise<CallToolResult | InputRequiredResult>;
}

/** How long `test_reconnection` waits after closing its stream before answering. */
const RECONNECTION_DELAY_MS = 100;

const text = (value: string): CallToolResult => ({ content: [{ type: "text", text: value }] });

/**
 * server-sse-polling (SEP-1699, 2025-11-25): closes the POST SSE stream
 * mid-call, then answers. The answer goes to the session's event store and
 * reaches the client on its `GET` with `Last-Event-ID`.
 */
export const reconnection: SdkFixtureTool = {
  name: "test_reconnection",
  description: "Test fixture: closes the SSE stream mid-call; the result arrives after the client resumes with Last-Event-ID.",
  sdkHandler: async (ctx) => {
    const closeSSE = ctx.http?.closeSSE;
    if (closeSSE === undefined) {
      return { ...text("test_reconnection needs a resumable SSE stream (a 2025-11-25 session with an event store)"), isError: true };
    }
    closeSSE();
    await sleep(RECONNECTION_DELAY_MS, undefined, { signal: ctx.mcpReq.signal });
    return text("Reconnection test completed: this result was delivered after the stream was closed mid-call.");
  },
};

/**
 * server-stateless (SEP-2575): needs the `sampling` client capability. The
 * SDK checks the embedded request against the declared capabilities and
 * answers -32021 MissingRequiredClientCapabilityError (HTTP 400) when the
 * client did not declare it.
 */
export const missingCapability: SdkFixtureTool = {
  name: "test_missing_capability",
  description: "Test fixture: requires the sampling client capability (undeclared, the call fails with -32021).",
  sdkHandler: async (ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, "llm_answer");
    if (answer.kind !== "sampling") {
      return inputRequired({
        inputRequests: {
          llm_answer: inputRequired.createMessage({
            messages: [{ role: "user", content: { type: "text", text: "Reply with the single word: pong" } }],
            maxTokens: 16,
          }),
        },
      });
    }
    return text("sampling round trip complete");
  },
};

/**
 * server-stateless (SEP-2575): asks for input the 2026-07-28 way. The response
 * stream carries at most a progress notification and the input-required
 * result, never an independent `elicitation/create` request.
 */
export const streamingElicitation: SdkFixtureTool = {
  name: "test_streaming_elicitation",
  description: "Test fixture: elicits through an input-required result, never a server-to-client request on the stream.",
  sdkHandler: async (ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    if (progressToken !== undefined) {
      await ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken, progress: 1, total: 2 } });
    }
    const answer = inputResponse(ctx.mcpReq.inputResponses, "confirm");
    if (answer.kind !== "elicit") {
      return inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({
            message: "Continue the conformance probe?",
            requestedSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
          }),
        },
      });
    }
    return text(`elicitation answered: ${answer.action}`);
  },
};

/**
 * server-stateless (SEP-2575): logs through the SDK's request-scoped channel,
 * which emits `notifications/message` only when the request set
 * `_meta["io.modelcontextprotocol/logLevel"]` (and the server declares `logging`).
 */
export const loggingTool: SdkFixtureTool = {
  name: "test_logging_tool",
  description: "Test fixture: logs through ctx.mcpReq.log, which stays silent unless the request asked for a log level.",
  sdkHandler: async (ctx) => {
    await ctx.mcpReq.log("info", "test_logging_tool ran");
    return text("logged through the request-scoped, logLevel-gated channel");
  },
};

/**
 * server-stateless (SEP-2575): announces a tool-list change. Modern clients
 * hear it on their `subscriptions/listen` streams (filtered and tagged by the
 * SDK); a 2025-11-25 session also gets it on its standalone GET stream.
 */
export function triggerToolChange(server: McpServer): SdkFixtureTool {
  return {
    name: "test_trigger_tool_change",
    description: "Test fixture: publishes notifications/tools/list_changed to subscribed clients.",
    sdkHandler: async (ctx, app) => {
      app.events.publish({ kind: "tools_list_changed" });
      if (ctx.sessionId !== undefined) await server.server.sendToolListChanged();
      return text("tools/list_changed published");
    },
  };
}

/** The `decorate` hook of the test server: registers every SDK fixture on a fresh server. */
export function registerSdkFixtures(server: McpServer, app: FixtureApp): void {
  const fixtures = [reconnection, missingCapability, streamingElicitation, loggingTool, triggerToolChange(server)];
  for (const fixture of fixtures) {
    server.registerTool(
      fixture.name,
      { description: fixture.description, inputSchema: z.object({}) },
      (_args: unknown, ctx: ServerContext) => fixture.sdkHandler(ctx, app),
    );
  }
}

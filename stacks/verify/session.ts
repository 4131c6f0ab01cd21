/**
 * One scripted MCP session against a deployed endpoint, as a client in the
 * wild would run it (revision 2025-11-25, Streamable HTTP): initialize, list
 * the tools, call every tool of the registry with the example input of its
 * registry entry, and close. Each step is timed; a step fails when it throws,
 * times out, or (for a call) returns an error result.
 */
import { performance } from "node:perf_hooks";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { tools as registry } from "../../app/src/tools/index.ts";
import { syntheticTransport } from "./transport.ts";

export interface Step {
  /** `initialize`, `tools/list`, or `tools/call <name>`. */
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

export interface SessionOptions {
  /** Extra request headers, e.g. `Authorization` or `Cloudflare-Workers-Version-Overrides`. */
  headers?: Record<string, string>;
  /** Per-step time limit. @default 15000 */
  stepTimeoutMs?: number;
  /** The tools to call, with their inputs. @default every registry tool with its example */
  calls?: readonly { name: string; input: Record<string, unknown> }[];
}

export function registryCalls(): { name: string; input: Record<string, unknown> }[] {
  return registry.map((tool) => ({ name: tool.name, input: tool.example as Record<string, unknown> }));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

async function timed(name: string, run: () => Promise<string | undefined>): Promise<Step> {
  const started = performance.now();
  try {
    const problem = await run();
    const ms = performance.now() - started;
    return problem === undefined ? { name, ok: true, ms } : { name, ok: false, ms, error: problem };
  } catch (error) {
    return { name, ok: false, ms: performance.now() - started, error: message(error) };
  }
}

/** Runs one session; never throws: every problem is a failed step. */
export async function runSession(url: URL, options: SessionOptions = {}): Promise<Step[]> {
  const timeout = options.stepTimeoutMs ?? 15_000;
  const calls = options.calls ?? registryCalls();
  const client = new Client({ name: "mcp-hosting-verify", version: "1.0.0" });
  const transport = syntheticTransport(url, options.headers);
  const steps: Step[] = [];
  const initialize = await timed("initialize", async () => {
    await client.connect(transport, { timeout });
    return undefined;
  });
  steps.push(initialize);
  if (!initialize.ok) {
    await transport.close().catch(() => {});
    return steps;
  }
  steps.push(
    await timed("tools/list", async () => {
      const listed = new Set((await client.listTools(undefined, { timeout })).tools.map((tool) => tool.name));
      const missing = calls.map((call) => call.name).filter((name) => !listed.has(name));
      return missing.length === 0 ? undefined : `tools/list lacks ${missing.join(", ")}`;
    }),
  );
  for (const call of calls) {
    steps.push(
      await timed(`tools/call ${call.name}`, async () => {
        const result = await client.callTool({ name: call.name, arguments: call.input }, undefined, { timeout });
        if (!result.isError) return undefined;
        const text = (result.content as { type: string; text?: string }[] | undefined)?.find((c) => c.type === "text")?.text ?? "error result";
        return `error result: ${text.slice(0, 200)}`;
      }),
    );
  }
  await transport.terminateSession().catch(() => {});
  await client.close().catch(() => {});
  return steps;
}

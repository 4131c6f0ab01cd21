/**
 * The signed calls the edge makes to this Node service (`POST /tools/<name>`),
 * traced as tool calls: the span's parent is the edge's CLIENT span (its
 * traceparent header), and the call runs with that context as the ambient one,
 * so a call this region forwards to the primary carries it on.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { STREAM_CONTENT_TYPE } from "../../upstream/call-stream.ts";
import { TOOL_ERROR } from "../conventions.ts";
import { NOT_A_CALL, type Telemetry, type TracedCall, type ToolCallEnd } from "../telemetry.ts";

/** Answers of the signed endpoint to a request it never ran: refused (405, 413, 401) or replayed in the primary (fly-replay). */
function settled(response: Response): ToolCallEnd | typeof NOT_A_CALL {
  if ([401, 405, 413].includes(response.status) || response.headers.has("fly-replay")) return NOT_A_CALL;
  if (response.ok) return {};
  // 422 is the tool's own failure and 504 its timeout: both reach the model as an error result.
  return { errorType: response.status === 422 || response.status === 504 ? TOOL_ERROR : String(response.status), message: `HTTP ${response.status}` };
}

/**
 * A streamed answer passed through unchanged, and the status its terminal line
 * says (`{ "error", "status" }`, else 200); 499 when the caller left first.
 */
function watchTerminalLine(body: ReadableStream<Uint8Array>): { body: ReadableStream<Uint8Array>; status: Promise<number> } {
  let tail = "";
  let settle: (status: number) => void = () => {};
  const status = new Promise<number>((resolve) => (settle = resolve));
  const decoder = new TextDecoder();
  const lastLineStatus = (): number => {
    const line = tail.trimEnd().split("\n").pop() ?? "";
    try {
      const event = JSON.parse(line) as { error?: unknown; status?: unknown };
      return "error" in event ? (typeof event.status === "number" ? event.status : 500) : 200;
    } catch {
      return 502; // no terminal line: the stream was cut
    }
  };
  const reader = body.getReader();
  const watched = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        settle(lastLineStatus());
        controller.close();
        return;
      }
      tail = (tail + decoder.decode(value, { stream: true })).slice(-65_536);
      controller.enqueue(value);
    },
    async cancel(reason) {
      settle(499);
      await reader.cancel(reason);
    },
  });
  return { body: watched, status };
}

export class SignedCallTracing {
  readonly #ambient = new AsyncLocalStorage<TracedCall>();
  readonly #telemetry: Telemetry;
  readonly #tools: ReadonlySet<string>;

  constructor(telemetry: Telemetry, tools: Iterable<string>) {
    this.#telemetry = telemetry;
    this.#tools = new Set(tools);
  }

  /** A fetch that carries the ambient call's trace context, if a signed call is running; the plain one otherwise. */
  readonly fetch: typeof fetch = (input, init) => (this.#ambient.getStore()?.propagate() ?? fetch)(input, init);

  /**
   * Serves one signed request inside its tool call's span; a name that is no
   * tool of ours is served untraced. A streamed answer (upstream/call-stream.ts)
   * goes out at once, and the span ends with its terminal line, not its head.
   */
  serve(request: Request, run: () => Promise<Response>): Promise<Response> {
    const tool = /^\/tools\/([a-z][a-z0-9_]{0,63})$/.exec(new URL(request.url).pathname)?.[1];
    if (tool === undefined || !this.#tools.has(tool)) return run();
    return new Promise<Response>((answer, fail) => {
      const traced = this.#telemetry.toolCall(
        { tool, headers: request.headers, fromEdge: true },
        (call) =>
          this.#ambient.run(call, async () => {
            const response = await run();
            if (response.body === null || !response.headers.get("content-type")?.startsWith(STREAM_CONTENT_TYPE)) {
              answer(response);
              return response;
            }
            const watched = watchTerminalLine(response.body);
            answer(new Response(watched.body, response));
            return new Response(null, { status: await watched.status });
          }),
        settled,
      );
      traced.catch(fail);
    });
  }
}

/**
 * The signed calls the edge makes to this Node service (`POST /tools/<name>`),
 * traced as tool calls: the span's parent is the edge's CLIENT span (its
 * traceparent header), and the call runs with that context as the ambient one,
 * so a call this region forwards to the primary carries it on.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { TOOL_ERROR } from "../conventions.ts";
import { NOT_A_CALL, type Telemetry, type TracedCall, type ToolCallEnd } from "../telemetry.ts";

/** Answers of the signed endpoint to a request it never ran: refused (405, 413, 401) or replayed in the primary (fly-replay). */
function settled(response: Response): ToolCallEnd | typeof NOT_A_CALL {
  if ([401, 405, 413].includes(response.status) || response.headers.has("fly-replay")) return NOT_A_CALL;
  if (response.ok) return {};
  // 422 is the tool's own failure and 504 its timeout: both reach the model as an error result.
  return { errorType: response.status === 422 || response.status === 504 ? TOOL_ERROR : String(response.status), message: `HTTP ${response.status}` };
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

  /** Serves one signed request inside its tool call's span; a name that is no tool of ours is served untraced. */
  serve(request: Request, run: () => Promise<Response>): Promise<Response> {
    const tool = /^\/tools\/([a-z][a-z0-9_]{0,63})$/.exec(new URL(request.url).pathname)?.[1];
    if (tool === undefined || !this.#tools.has(tool)) return run();
    return this.#telemetry.toolCall({ tool, headers: request.headers, fromEdge: true }, (call) => this.#ambient.run(call, run), settled);
  }
}

/**
 * Sends the Worker's spans to an OTLP/HTTP collector in the background (the
 * runtime's `waitUntil`), bounded: each export gives up after a timeout, at
 * most a few run at once, and what does not fit is dropped and counted. A
 * collector that is down costs a tool call nothing and the log one line.
 */
import type { FinishedSpan } from "../otlp-json.ts";
import { otlpTraceRequest } from "../otlp-json.ts";
import type { Attributes } from "../telemetry.ts";

export interface SpanExportOptions {
  endpoint: string;
  headers: Record<string, string>;
  resource: Attributes;
  /** Runs the export after the response, as `waitUntil` does. */
  defer: (work: Promise<unknown>) => void;
  log: (line: string) => void;
  /** @default 3000 */
  timeoutMs?: number;
  /** @default 4 */
  maxInFlight?: number;
  fetch?: typeof fetch;
}

export class SpanExport {
  readonly #options: SpanExportOptions;
  readonly #url: string;
  #inFlight = 0;
  #dropped = 0;
  #failing = false;

  constructor(options: SpanExportOptions) {
    this.#options = options;
    this.#url = `${options.endpoint.replace(/\/$/, "")}/v1/traces`;
  }

  send(spans: FinishedSpan[]): void {
    if (spans.length === 0) return;
    if (this.#inFlight >= (this.#options.maxInFlight ?? 4)) {
      this.#dropped += spans.length;
      return;
    }
    this.#inFlight += 1;
    this.#options.defer(this.#post(spans).finally(() => (this.#inFlight -= 1)));
  }

  async #post(spans: FinishedSpan[]): Promise<void> {
    const { log } = this.#options;
    try {
      const response = await (this.#options.fetch ?? fetch)(this.#url, {
        method: "POST",
        headers: { ...this.#options.headers, "content-type": "application/json" },
        body: JSON.stringify(otlpTraceRequest(this.#options.resource, spans)),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 3000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (this.#failing) log(`telemetry: exporting spans to ${this.#options.endpoint} again${this.#dropped ? ` (${this.#dropped} spans were dropped meanwhile)` : ""}`);
      this.#failing = false;
      this.#dropped = 0;
    } catch (error) {
      if (!this.#failing) log(`telemetry: cannot export spans to ${this.#options.endpoint} (${error instanceof Error ? error.message : String(error)}); spans are dropped until it answers, tool calls go on`);
      this.#failing = true;
      this.#dropped += spans.length;
    }
  }
}

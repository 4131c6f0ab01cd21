import type { CallReporter } from "../tools/context.ts";
import { classifyEvent, type TerminalEvent } from "./call-stream.ts";

/** Why a stream gave no terminal event. */
export type StreamFault = { fault: "cut"; events: number; reason?: string } | { fault: "too-large" } | { fault: "garbled"; line: string };

/**
 * Reads a call stream (call-stream.ts) line by line, passing progress and
 * log events to `reporter` as they arrive, until the terminal event. A
 * stream that ends first, grows past `maxBytes` or carries a line that is no
 * event is a fault, never a partial result. Reading stops at the terminal
 * event; anything after it is not read.
 */
export async function readCallStream(body: ReadableStream<Uint8Array>, reporter: CallReporter, maxBytes: number): Promise<TerminalEvent | StreamFault> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let size = 0;
  let events = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        // The deadline or the caller's cancel: not the backend's doing, the caller reports it.
        if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) throw error;
        return { fault: "cut", events, reason: error instanceof Error ? ((error as { cause?: { code?: string } }).cause?.code ?? error.message) : String(error) };
      }
      const { done, value } = next;
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) return { fault: "too-large" };
      buffered += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === "") continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          return { fault: "garbled", line: line.slice(0, 80) };
        }
        const event = classifyEvent(parsed);
        if (event === undefined) return { fault: "garbled", line: line.slice(0, 80) };
        events++;
        if (event.type === "terminal") return event.event;
        if (event.type === "progress") await reporter.progress(event.event.progress, event.event.total, event.event.message);
        else await reporter.log(event.event.log, event.event.data, event.event.logger);
      }
    }
    return { fault: "cut", events };
  } finally {
    // Done with it, whichever way: the connection is released, and a receiver still writing sees it closed.
    void reader.cancel().catch(() => undefined);
  }
}

export function isFault(value: TerminalEvent | StreamFault): value is StreamFault {
  return "fault" in value;
}

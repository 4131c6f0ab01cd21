/** A body read as text, or why it was not: over the size limit, or still arriving at the deadline. */
export type BodyText = string | "too-large" | "timeout";

export interface BodyLimits {
  maxBytes: number;
  /** A body still arriving after this long is a "timeout". @default no deadline */
  timeoutMs?: number;
  /**
   * Past `maxBytes`, go on reading (and discarding) up to this many bytes, so
   * an HTTP client gets to read the 413 instead of a reset connection.
   * @default maxBytes: stop at once
   */
  drainBytes?: number;
}

/**
 * Reads a request's or a response's body as text within limits. The one
 * reader of bodies of unknown size in both runtimes: requests at the MCP
 * endpoint, answers from the Fly and Modal backends.
 */
export async function readBodyText(source: { body: ReadableStream<Uint8Array> | null }, limits: BodyLimits): Promise<BodyText> {
  if (source.body === null) return "";
  const reader = source.body.getReader();
  const drainBytes = Math.max(limits.drainBytes ?? limits.maxBytes, limits.maxBytes);
  const { late, clear } = deadline(limits.timeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "timeout") {
        void reader.cancel().catch(() => undefined);
        return "timeout";
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > drainBytes) {
        await reader.cancel();
        return "too-large";
      }
      if (size <= limits.maxBytes) chunks.push(next.value);
    }
  } finally {
    clear();
  }
  if (size > limits.maxBytes) return "too-large";
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * A promise that settles "timeout" once `timeoutMs` has passed (never, when
 * undefined), and `clear` to stop its timer when the work ends first: a
 * pending timer would also keep a Durable Object from hibernating.
 */
export function deadline(timeoutMs: number | undefined): { late: Promise<"timeout">; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"timeout">((resolve) => {
    if (timeoutMs !== undefined) timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  return {
    late,
    clear: () => {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

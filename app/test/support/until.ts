import assert from "node:assert/strict";

/** Waits for `condition`, checking every 200 ms, for at most `timeoutMs`; a timeout fails with what was awaited and the output so far. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

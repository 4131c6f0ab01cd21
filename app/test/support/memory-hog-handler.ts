// The handler of the test_memory_hog fixture, alone in its module: its isolation worker imports only this.

/** How much the fixture tries to hold at once. */
export const HOG_MB = 200;

/** Holds 200 MiB of JavaScript arrays at once (1 MiB each: 131,072 doubles of 8 bytes). */
export async function holdMemory(): Promise<{ heldMb: number }> {
  const held: number[][] = [];
  for (let i = 0; i < HOG_MB; i++) held.push(new Array<number>(131_072).fill(i + 0.5));
  return { heldMb: held.length };
}

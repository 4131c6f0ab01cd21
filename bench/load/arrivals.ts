/**
 * When each call of an open-loop run is sent: a Poisson process (exponential
 * gaps) at the offered rate, from a seeded generator so every target of a run
 * is offered the very same schedule.
 *
 * Why Poisson rather than evenly spaced calls: 1,000 agents that each call on
 * their own schedule add up to Poisson arrivals (Palm–Khintchine), bursts
 * included; a metronome never sends two calls at once and so hides the
 * queueing that bursts cause. Both keep the mean rate fixed.
 */

/** mulberry32: a small, fast 32-bit PRNG; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets in ms from the start of the run, ascending, every one before `durationMs`. */
export function poissonArrivals(ratePerSecond: number, durationMs: number, seed: number): Float64Array {
  if (!(ratePerSecond > 0) || !(durationMs > 0)) throw new Error(`expected a positive rate and duration, got ${ratePerSecond}/s for ${durationMs} ms`);
  const random = seededRandom(seed);
  const meanGapMs = 1000 / ratePerSecond;
  const times: number[] = [];
  for (let at = -Math.log(1 - random()) * meanGapMs; at < durationMs; at += -Math.log(1 - random()) * meanGapMs) times.push(at);
  return Float64Array.from(times);
}

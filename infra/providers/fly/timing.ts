/**
 * Every delay, bound and clock the provider uses, in one place, so that tests
 * can shrink them (and fake the clock) instead of sleeping.
 */

/** An exponential backoff with full jitter: delay n is random in [0, min(max, base·2ⁿ)]. */
export interface Backoff {
  /** How many tries in all, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Retries of "not visible yet" while a write propagates to the read side:
 * exponential from `baseDelayMs` up to `maxDelayMs`, factor 2, each delay
 * randomized ±50 %, until `boundMs` have passed.
 */
export interface VisibilityWait {
  baseDelayMs: number;
  maxDelayMs: number;
  boundMs: number;
}

export interface Timing {
  /** Retries of 429 and 5xx (and of network errors on requests that are safe to repeat). */
  retry: Backoff;
  /** Retries of `POST .../lease` while another holder has the lease (409). */
  leaseConflict: Backoff;
  /** Creates that failed ambiguously and found nothing to adopt are sent again this often. */
  createAttempts: number;
  /** Pause between polls of asynchronous work (app deletion, volume detaching). */
  pollIntervalMs: number;
  /** Overall bound of one operation that waits (a machine reaching a state, a delete finishing). */
  deadlineMs: number;
  /** Bound of one ordinary HTTP request; past it the request counts as ambiguous. */
  requestTimeoutMs: number;
  /** The `timeout` query of `GET .../wait`, in seconds; Fly caps it at 60. */
  waitTimeoutSeconds: number;
  /** The lease TTL asked for, in seconds. */
  leaseTtlSeconds: number;
  /** `GET /apps/{app}` after a create, until the app is visible (404 and 401 mean "not yet"). */
  appVisibility: VisibilityWait;
  /** Waits on a machine just created, while it still reads as 404. */
  machineVisibility: VisibilityWait;
  /** Pause before listing what an ambiguous create may have made: lists are eventually consistent. */
  lookupDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  random: () => number;
}

export const defaultTiming: Timing = {
  retry: { attempts: 6, baseDelayMs: 500, maxDelayMs: 15_000 },
  leaseConflict: { attempts: 8, baseDelayMs: 1_000, maxDelayMs: 20_000 },
  createAttempts: 3,
  pollIntervalMs: 2_000,
  deadlineMs: 10 * 60_000,
  requestTimeoutMs: 60_000,
  waitTimeoutSeconds: 60,
  leaseTtlSeconds: 300,
  // fly-go flaps/retry.go (Retry, used by WaitForApp in flaps/flaps_apps.go): 100 ms → 500 ms, ×2, ±50 %, 1 minute.
  appVisibility: { baseDelayMs: 100, maxDelayMs: 500, boundMs: 60_000 },
  // flyctl internal/machine/leasable_machine.go (WaitForState, WithJustCreated): 500 ms → 2 s, ×2, jitter,
  // bounded by the wait timeout, 2 minutes when none is given (resolveTimeoutContext).
  machineVisibility: { baseDelayMs: 500, maxDelayMs: 2_000, boundMs: 2 * 60_000 },
  // flyctl internal/command/deploy/strategy_bluegreen.go: launchLookupDelay = 500 ms, because the
  // list handler reads Corrosion, which lags behind the create.
  lookupDelayMs: 500,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  random: () => Math.random(),
};

/** The delay before try number `attempt` (1 = the first retry). */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * random());
}

/** The delay before try number `attempt + 1` of a visibility wait (cenkalti/backoff's ExponentialBackOff). */
export function visibilityDelay(wait: VisibilityWait, attempt: number, random: () => number): number {
  const interval = Math.min(wait.maxDelayMs, wait.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(interval * (0.5 + random()));
}

/** Sleeps the retry backoff before try number `attempt + 1`. */
export async function pause(timing: Timing, attempt: number): Promise<void> {
  await timing.sleep(backoffDelay(timing.retry, attempt, timing.random));
}

/**
 * Waiting for a machine to reach a state with `GET .../machines/{id}/wait`.
 * Fly holds that request for at most 60 s and answers 408 when the state was not
 * reached in time; we ask again until our own overall deadline.
 */
import type { FlyMachineWaitBody } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import { FlyDeadlineError, FlyNotVisibleError, isStatus } from "./errors.ts";
import { visibilityDelay, type Timing, type VisibilityWait } from "./timing.ts";

/**
 * The states the wait endpoint accepts (OpenAPI, `GET /v1/apps/{app_name}/machines/{machine_id}/wait`:
 * "desired state(s), supports repeated or comma-separated values").
 */
export type WaitableState = "started" | "stopped" | "suspended" | "destroyed" | "failed" | "settled";

export interface WaitFor {
  appName: string;
  machineId: string;
  /** One state, or several: the wait ends at the first one reached. */
  state: WaitableState | WaitableState[];
  /**
   * The machine version to wait for (`machineVersion()`): after an update it makes
   * sure we wait for the new version, not the old one. Sent as `version`; the
   * OpenAPI marks the older `instance_id` "deprecated; use version".
   */
  version?: string;
  /**
   * The machine was created a moment ago: a 404 means "not visible yet" and is
   * asked again (flyctl internal/machine/leasable_machine.go, WaitForState with
   * WithJustCreated: "Machine not found but we just created it - retry with backoff").
   */
  justCreated?: boolean;
  /** @default client.timing.deadlineMs */
  deadlineMs?: number;
}

/**
 * Runs `probe` again while `hidden(error)` says what it looks for is not visible
 * yet, with the backoff of `wait`, until `wait.boundMs` have passed.
 */
export async function untilVisible<T>(
  timing: Timing,
  wait: VisibilityWait,
  subject: string,
  hidden: (error: unknown) => boolean,
  probe: () => Promise<T>,
): Promise<T> {
  const start = timing.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await probe();
    } catch (error) {
      if (!hidden(error)) throw error;
      if (timing.now() - start >= wait.boundMs) throw new FlyNotVisibleError(subject, error, wait.boundMs);
      await timing.sleep(visibilityDelay(wait, attempt, timing.random));
    }
  }
}

/**
 * Resolves with the state reached (as Fly reports it). Waiting for `destroyed`
 * also resolves when the machine is already gone (404).
 */
export async function waitForMachineState(client: FlyClient, wait: WaitFor): Promise<string> {
  const { timing } = client;
  const states = [wait.state].flat();
  const deadlineMs = wait.deadlineMs ?? timing.deadlineMs;
  const deadline = timing.now() + deadlineMs;
  const path = `/apps/${seg(wait.appName)}/machines/${seg(wait.machineId)}/wait`;
  const subject = `Machine ${wait.machineId} of app ${wait.appName}`;
  /** One wait request: the state reached, or undefined when Fly's own timeout passed (408). */
  const ask = async (): Promise<string | undefined> => {
    const remainingSeconds = Math.ceil((deadline - timing.now()) / 1000);
    const timeout = Math.max(1, Math.min(timing.waitTimeoutSeconds, remainingSeconds));
    try {
      const { body } = await client.request<FlyMachineWaitBody | undefined>("GET", path, {
        query: { state: states.join(","), timeout, version: wait.version },
        idempotent: true,
        // Fly holds the request up to `timeout` seconds; allow for the round trip.
        timeoutMs: timeout * 1000 + 15_000,
      });
      return body?.state ?? states[0];
    } catch (error) {
      if (states.includes("destroyed") && isStatus(error, 404)) return "destroyed";
      if (isStatus(error, 408)) return undefined;
      throw error;
    }
  };
  // Once the machine has answered, a 404 is real again.
  let reached = wait.justCreated
    ? await untilVisible(timing, timing.machineVisibility, subject, (error) => isStatus(error, 404), ask)
    : await ask();
  while (reached === undefined) {
    if (timing.now() >= deadline) {
      throw new FlyDeadlineError(`${subject} reaching state "${states.join(" or ")}"`, deadlineMs);
    }
    reached = await ask();
  }
  return reached;
}

/**
 * Polls `probe` every `timing.pollIntervalMs` until it returns true, for work
 * Fly finishes asynchronously (an app deletion, a volume detaching).
 */
export async function pollUntil(client: FlyClient, what: string, probe: () => Promise<boolean>): Promise<void> {
  const { timing } = client;
  const deadline = timing.now() + timing.deadlineMs;
  for (;;) {
    if (await probe()) return;
    if (timing.now() >= deadline) throw new FlyDeadlineError(what, timing.deadlineMs);
    await timing.sleep(timing.pollIntervalMs);
  }
}

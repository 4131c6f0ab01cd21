/**
 * Waiting for a machine to reach a state with `GET .../machines/{id}/wait`.
 * Fly holds that request for at most 60 s and answers 408 when the state was not
 * reached in time; we ask again until our own overall deadline.
 */
import { seg, type FlyClient } from "./client.ts";
import { FlyDeadlineError, isStatus } from "./errors.ts";

/** The states the wait endpoint accepts. */
export type WaitableState = "started" | "stopped" | "suspended" | "destroyed";

export interface WaitFor {
  appName: string;
  machineId: string;
  state: WaitableState;
  /**
   * The machine version to wait for. Fly requires it when waiting for `stopped`;
   * after an update it makes sure we wait for the new version, not the old one.
   */
  instanceId?: string;
  /** @default client.timing.deadlineMs */
  deadlineMs?: number;
}

/**
 * Resolves once the machine is in `state`. Waiting for `destroyed` also resolves
 * when the machine is already gone (404).
 */
export async function waitForMachineState(client: FlyClient, wait: WaitFor): Promise<void> {
  const { timing } = client;
  const deadlineMs = wait.deadlineMs ?? timing.deadlineMs;
  const deadline = timing.now() + deadlineMs;
  const path = `/apps/${seg(wait.appName)}/machines/${seg(wait.machineId)}/wait`;
  for (;;) {
    const remainingSeconds = Math.ceil((deadline - timing.now()) / 1000);
    const timeout = Math.max(1, Math.min(timing.waitTimeoutSeconds, remainingSeconds));
    try {
      await client.request("GET", path, {
        query: { state: wait.state, timeout, instance_id: wait.instanceId },
        idempotent: true,
        // Fly holds the request up to `timeout` seconds; allow for the round trip.
        timeoutMs: timeout * 1000 + 15_000,
      });
      return;
    } catch (error) {
      if (wait.state === "destroyed" && isStatus(error, 404)) return;
      if (!isStatus(error, 408)) throw error;
    }
    if (timing.now() >= deadline) {
      throw new FlyDeadlineError(`Machine ${wait.machineId} of app ${wait.appName} reaching state "${wait.state}"`, deadlineMs);
    }
  }
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

/**
 * After a machine has started, its health checks must pass before the next
 * region rolls: a release that never turns healthy stops the rollout at the
 * first region instead of taking every region down.
 */
import type { FlyMachineBody } from "./api-types.ts";
import { seg, type FlyClient } from "./client.ts";
import { FlyDeadlineError } from "./errors.ts";
import { pollUntil } from "./wait.ts";

export class FlyUnhealthyError extends Error {
  constructor(machineId: string, appName: string, summary: string, cause: FlyDeadlineError) {
    super(`Machine ${machineId} of app ${appName} started, but its health checks did not pass: ${summary}. ${cause.message}`);
    this.name = "FlyUnhealthyError";
  }
}

/** Polls `GET .../machines/{id}` until every named check reports `passing`. */
export async function waitForPassingChecks(client: FlyClient, appName: string, machineId: string, checkNames: string[]): Promise<void> {
  if (checkNames.length === 0) return;
  let summary = "no check has reported yet";
  try {
    await pollUntil(client, `Health checks of machine ${machineId} passing`, async () => {
      const path = `/apps/${seg(appName)}/machines/${seg(machineId)}`;
      const { body } = await client.request<FlyMachineBody>("GET", path, { idempotent: true });
      const checks = body.checks ?? [];
      summary = checkNames
        .map((name) => {
          const check = checks.find((candidate) => candidate.name === name);
          return `${name}: ${check ? `${check.status}${check.output ? ` (${check.output})` : ""}` : "not reported"}`;
        })
        .join(", ");
      return checkNames.every((name) => checks.some((check) => check.name === name && check.status === "passing"));
    });
  } catch (error) {
    if (error instanceof FlyDeadlineError) throw new FlyUnhealthyError(machineId, appName, summary, error);
    throw error;
  }
}

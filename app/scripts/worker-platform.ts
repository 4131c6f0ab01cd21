/**
 * The Worker's platform needs (`app/src/runtimes/worker/platform.json`), read
 * once and typed: the edge build's consumers (dev:edge, the tests, the bench,
 * the EdgeWorker component, release builds) all take it from here.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface WorkerPlatform {
  mainModule: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  durableObjects: { binding: string; className: string }[];
  migrations: DurableObjectMigrationStep[];
}

/** One Durable Object migration, in camelCase (stacks/release/manifest.ts validates it). */
export interface DurableObjectMigrationStep {
  tag: string;
  newClasses?: string[];
  newSqliteClasses?: string[];
  deletedClasses?: string[];
  renamedClasses?: { from: string; to: string }[];
  transferredClasses?: { from: string; fromScript: string; to: string }[];
}

/**
 * A migration step as wrangler's config and the Workers script upload API
 * spell it (`new_sqlite_classes`, `renamed_classes: [{ from, to }]`, …; the API's
 * MigrationStepParam in cloudflare/cloudflare-typescript src/resources/workers/workers.ts).
 * The tag is left out: the API takes tags around the steps.
 */
export function migrationStepOnTheWire(step: DurableObjectMigrationStep): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  if (step.newClasses?.length) wire.new_classes = step.newClasses;
  if (step.newSqliteClasses?.length) wire.new_sqlite_classes = step.newSqliteClasses;
  if (step.deletedClasses?.length) wire.deleted_classes = step.deletedClasses;
  if (step.renamedClasses?.length) wire.renamed_classes = step.renamedClasses;
  if (step.transferredClasses?.length) {
    wire.transferred_classes = step.transferredClasses.map(({ from, fromScript, to }) => ({ from, from_script: fromScript, to }));
  }
  return wire;
}

export const WORKER_PLATFORM_PATH = fileURLToPath(new URL("../src/runtimes/worker/platform.json", import.meta.url));

export const workerPlatform = JSON.parse(readFileSync(WORKER_PLATFORM_PATH, "utf8")) as WorkerPlatform;

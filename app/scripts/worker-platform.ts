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
  migrations: { tag: string; newSqliteClasses: string[] }[];
}

export const WORKER_PLATFORM_PATH = fileURLToPath(new URL("../src/runtimes/worker/platform.json", import.meta.url));

export const workerPlatform = JSON.parse(readFileSync(WORKER_PLATFORM_PATH, "utf8")) as WorkerPlatform;

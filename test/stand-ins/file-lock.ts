/**
 * One writer at a time for a stand-in's state file: several stand-in commands
 * run at once (Pulumi runs independent resources in parallel, GitHub runs
 * matrix legs side by side), and each reads, changes and writes the file.
 */
import { mkdirSync, renameSync, rmdirSync, writeFileSync } from "node:fs";

export function withFileLock<T>(path: string, change: () => T): T {
  const lock = `${path}.lock`;
  for (let tries = 0; ; tries++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (tries > 2000) throw new Error(`${path} stays locked (${lock})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return change();
  } finally {
    rmdirSync(lock);
  }
}

/** Written whole and renamed into place: a reader never sees half a file. */
export function writeWhole(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

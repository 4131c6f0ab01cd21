/**
 * A process's resident memory, from Linux's /proc (Fly machines are Linux
 * VMs). RSS, not the V8 heap: a leak in a native buffer or a worker thread
 * counts too, and it is what the machine's OOM killer weighs.
 */
import { readFileSync } from "node:fs";

/** Resident megabytes of `pid`, or undefined where /proc cannot tell (another OS, or the process is gone). */
export function residentMegabytes(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kilobytes = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kilobytes === undefined ? undefined : Math.round(Number(kilobytes) / 1024);
}

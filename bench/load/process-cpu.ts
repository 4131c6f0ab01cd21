/**
 * CPU time of server processes, read from /proc (Linux): what a rung cost
 * the server in cores, beside what it achieved. Elsewhere it reads nothing
 * and the figure stays empty.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds `pid` has used so far, or undefined where /proc cannot tell. */
export function cpuSeconds(pid: number): number | undefined {
  const fields = statFields(pid);
  // After the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime.
  if (fields === undefined) return undefined;
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** The pids of `parent`'s children whose command name is `name` (e.g. the workerd Miniflare started). */
export function childrenNamed(parent: number, name: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) === name && Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent;
    } catch {
      return false;
    }
  });
}

/** Cores the processes used between `start()` and the returned function's call. */
export function cpuMeter(pids: readonly number[]): () => number | undefined {
  const read = () => {
    const values = pids.map(cpuSeconds);
    return values.some((value) => value === undefined) ? undefined : values.reduce((a, b) => a! + b!, 0);
  };
  const before = read();
  const started = performance.now();
  return () => {
    const after = read();
    if (before === undefined || after === undefined || pids.length === 0) return undefined;
    return (after - before) / ((performance.now() - started) / 1000);
  };
}

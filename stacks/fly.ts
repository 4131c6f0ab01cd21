/**
 * Fly.io platform facts the stack model validates against, kept in one place.
 *
 * Regions: the table in superfly/docs `reference/regions.html.markerb` (Fly
 * retired bog, den, eze, gdl, gig, hkg, mad, mia, otp, phx, qro, scl, sea,
 * waw and yul in 2025; `fly platform regions` prints the live list).
 *
 * Machine sizes: the presets on Fly's pricing page; memory rules from
 * superfly/docs `machines/guides-examples/machine-sizing`: shared CPUs take
 * 256 MB × cpus up to 2048 MB × cpus in steps of 256, performance CPUs take
 * 2048 MB × cpus up to 8192 MB × cpus in steps of 2048.
 */

export const FLY_REGIONS = [
  "ams", "arn", "bom", "cdg", "dfw", "ewr", "fra", "gru", "iad",
  "jnb", "lax", "lhr", "nrt", "ord", "sin", "sjc", "syd", "yyz",
] as const;

export type FlyRegion = (typeof FLY_REGIONS)[number];

export type CpuKind = "shared" | "performance";

export interface MachineSize {
  cpuKind: CpuKind;
  cpus: number;
  /** Smallest memory the size accepts, in MB. */
  minMemoryMb: number;
  /** Largest memory the size accepts, in MB. */
  maxMemoryMb: number;
  /** Memory must be a multiple of this, in MB. */
  memoryStepMb: number;
}

function shared(cpus: number): MachineSize {
  return { cpuKind: "shared", cpus, minMemoryMb: 256 * cpus, maxMemoryMb: 2048 * cpus, memoryStepMb: 256 };
}

function performance(cpus: number): MachineSize {
  return { cpuKind: "performance", cpus, minMemoryMb: 2048 * cpus, maxMemoryMb: 8192 * cpus, memoryStepMb: 2048 };
}

export const FLY_MACHINE_SIZES = {
  "shared-cpu-1x": shared(1),
  "shared-cpu-2x": shared(2),
  "shared-cpu-4x": shared(4),
  "shared-cpu-8x": shared(8),
  "performance-1x": performance(1),
  "performance-2x": performance(2),
  "performance-4x": performance(4),
  "performance-8x": performance(8),
  "performance-16x": performance(16),
} as const satisfies Record<string, MachineSize>;

export type MachineSizeName = keyof typeof FLY_MACHINE_SIZES;

export const MACHINE_SIZE_NAMES = Object.keys(FLY_MACHINE_SIZES) as [MachineSizeName, ...MachineSizeName[]];

/** The memory bounds of a size, as words for an error message. */
export function describeMemoryRange(size: MachineSize): string {
  return `${size.minMemoryMb}..${size.maxMemoryMb}, a multiple of ${size.memoryStepMb}`;
}

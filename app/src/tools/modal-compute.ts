/**
 * What a Modal-placed tool may declare about the Modal Function that runs it.
 * A tool that declares compute becomes a Function of its own (app/modal/modal_app.py);
 * the others run inside the web function. A stack may override the GPU and the
 * scaling per tool (`modal.tools` in stacks/schema.ts).
 */
import { z } from "zod";

/**
 * The GPU types Modal's `gpu=` takes, as modal.com/docs/guide/gpu lists them
 * ("Specifying GPU type"); the client passes the name to Modal's servers
 * upper-cased (modal-labs/modal-client py/modal/_utils/function_utils.py,
 * parse_gpu_config). `A10G` is the older name of `A10` that the client's own
 * tests still use (py/test/gpu_test.py). `RTX-PRO-6000` is documented too but
 * not accepted here: stacks/cost/prices.json has no price for it, and `cost`
 * must price every function a stack declares.
 */
export const MODAL_GPU_TYPES = ["T4", "L4", "A10", "A10G", "L40S", "A100", "A100-40GB", "A100-80GB", "H100", "H100!", "H200", "B200", "B200+"] as const;
export type ModalGpuType = (typeof MODAL_GPU_TYPES)[number];

/** `"none"` runs the function on CPU only (a stack's way to drop a tool's default GPU). */
export const GPU_CHOICES = ["none", ...MODAL_GPU_TYPES] as const;
export type GpuChoice = (typeof GPU_CHOICES)[number];

/** The Modal app's locked Python packages, beside its sources (app/modal/locked_requirements.py reads it). */
export const MODAL_REQUIREMENTS_FILE = "requirements.txt";

/** A Python distribution name as requirements files write it (PEP 508 names). */
const PACKAGE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

export const modalComputeSchema = z
  .object({
    gpu: z.enum(GPU_CHOICES, { error: (issue) => `${JSON.stringify(issue.input)} is not a Modal GPU type (expected one of ${GPU_CHOICES.join(", ")})` }).optional(),
    cpu: z.number().min(0.125).max(64).optional(),
    memoryMb: z.number().int().min(128).max(344_064).optional(),
    timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
    packages: z.array(z.string().regex(PACKAGE_NAME, "expected a Python package name as in app/modal/requirements.txt")).optional(),
    memorySnapshot: z.boolean().optional(),
  })
  .strict();

/**
 * A Modal Function's compute, as `@app.function` takes it
 * (modal-labs/modal-client py/modal/app.py, `_App.function`).
 */
export interface ModalCompute {
  /** GPU type, passed as `gpu=`. @default "none" @example "L4" */
  gpu?: GpuChoice;
  /** CPU cores reserved, passed as `cpu=` (Modal's default is 0.125). @example 2 */
  cpu?: number;
  /** Memory reserved in MiB, passed as `memory=`. @example 4096 */
  memoryMb?: number;
  /** Longest one call may run, passed as `timeout=`. @default 300 @example 600 */
  timeoutSeconds?: number;
  /**
   * The Python packages the function imports beyond the standard library, by
   * name; their exact versions (and those of their dependencies) come from
   * app/modal/requirements.txt, which the function's image installs.
   * @default []
   * @example ["torch"]
   */
  packages?: readonly string[];
  /**
   * Snapshot the container after its imports, so a cold start restores memory
   * instead of importing again (`enable_memory_snapshot=`; modal.com/docs/guide/memory-snapshot).
   * @default false
   */
  memorySnapshot?: boolean;
}

/** The problem with a tool's compute declaration, or undefined. */
export function computeProblem(tool: string, compute: unknown): string | undefined {
  const parsed = modalComputeSchema.safeParse(compute);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `tool "${tool}": compute.${issue.path.join(".")}: ${issue.message}`;
}

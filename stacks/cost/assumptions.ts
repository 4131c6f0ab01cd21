/**
 * The traffic assumptions behind a cost estimate, defined once: each has its
 * zod rule, its default, its command-line flag and the words the output prints.
 * A stack sets its own under `cost:` (validated with the rest of its config);
 * flags win over the stack, the stack over the defaults.
 */
import * as z from "zod";
import { formatIssues, StackConfigError } from "../config-error.ts";
import { decimal, int, show, strict } from "../rules.ts";
import type { ModalGpuType } from "../../app/src/tools/modal-compute.ts";
import { PRICE_IDS, type PriceId } from "./price-book.ts";

/**
 * GPUs a Modal function can request, and the price of each: every name
 * app/src/tools/modal-compute.ts accepts (Modal's documented names), older
 * aliases priced as what they stand for (A10G is the A10, A100 the 40 GB one,
 * H100! an H100 that is never upgraded, B200+ billed as a B200; modal.com/docs/guide/gpu).
 */
export const MODAL_GPUS = {
  T4: "modalGpuT4",
  L4: "modalGpuL4",
  A10: "modalGpuA10",
  A10G: "modalGpuA10",
  L40S: "modalGpuL40S",
  A100: "modalGpuA100",
  "A100-40GB": "modalGpuA100",
  "A100-80GB": "modalGpuA10080GB",
  H100: "modalGpuH100",
  "H100!": "modalGpuH100",
  H200: "modalGpuH200",
  B200: "modalGpuB200",
  "B200+": "modalGpuB200",
} as const satisfies Record<ModalGpuType, PriceId>;

const GPU_NAMES = ["none", ...Object.keys(MODAL_GPUS)] as ["none", ...(keyof typeof MODAL_GPUS)[]];
export type ModalGpu = (typeof GPU_NAMES)[number];

const placement = strict({ edge: decimal(0, 1), fly: decimal(0, 1), modal: decimal(0, 1) }).superRefine((shares, ctx) => {
  const sum = shares.edge + shares.fly + shares.modal;
  if (Math.abs(sum - 1) > 1e-9) {
    ctx.addIssue({ code: "custom", message: `edge + fly + modal add up to ${Number(sum.toFixed(6))} (expected 1)` });
  }
});

/** Every assumption: its rule, default, flag and what it means. */
export const ASSUMPTIONS = {
  toolCallsPerMonth: { rule: int(0, 1e11), default: 1_000_000, flag: "calls", means: "tool calls per month" },
  placement: {
    rule: placement,
    default: { edge: 0.5, fly: 0.3, modal: 0.2 },
    flag: "placement",
    means: "share of tool calls placed on each platform",
  },
  workerRequestsPerCall: {
    rule: decimal(1, 100),
    default: 1,
    flag: "requests-per-call",
    means: "Worker requests per tool call, protocol overhead included; each reaches one Durable Object",
  },
  edgeCpuMs: { rule: decimal(0, 300_000), default: 5, flag: "edge-cpu-ms", means: "average Worker CPU ms per request" },
  flyResponseMs: {
    rule: decimal(0, 600_000),
    default: 50,
    flag: "fly-ms",
    means: "average ms a fly tool call takes (its Durable Object stays active meanwhile)",
  },
  modalSeconds: {
    rule: decimal(0, 86_400),
    default: 0.2,
    flag: "modal-seconds",
    means: "average execution seconds of a modal tool call (its Durable Object stays active meanwhile)",
  },
  responseKb: { rule: decimal(0, 1_000_000), default: 4, flag: "response-kb", means: "average kB a fly tool call sends back (Fly egress)" },
  flyRunningShare: {
    rule: decimal(0, 1),
    default: 1,
    flag: "fly-running-share",
    means: "share of the month each Fly machine runs (1 = always on, as the program sets autostop off; lower needs auto-stop)",
  },
  modalCpuCores: { rule: decimal(0.125, 64), default: 0.125, flag: "modal-cpu", means: "physical cores a Modal container reserves (Modal's default 0.125)" },
  modalMemoryGib: { rule: decimal(0.125, 512), default: 0.125, flag: "modal-memory-gib", means: "GiB a Modal container reserves (Modal's default 128 MiB)" },
  modalGpu: {
    rule: z.enum(GPU_NAMES, { error: (iss) => `${show(iss.input)} is not a Modal GPU (expected one of ${GPU_NAMES.join(", ")})` }),
    default: "none" as ModalGpu,
    flag: "modal-gpu",
    means: "GPU each Modal container has",
  },
  durableObjectStorageGb: { rule: decimal(0, 1e6), default: 1, flag: "do-storage-gb", means: "GB stored in Durable Objects (sessions, event logs, scratchpads)" },
  rowsWrittenPerCall: { rule: decimal(0, 1e5), default: 2, flag: "rows-written-per-call", means: "Durable Object SQLite rows written per tool call" },
  rowsReadPerCall: { rule: decimal(0, 1e6), default: 5, flag: "rows-read-per-call", means: "Durable Object SQLite rows read per tool call" },
  backupGb: { rule: decimal(0, 1e7), default: 1, flag: "backup-gb", means: "GB in the backup bucket, all regions and noncurrent versions" },
  backupPutsPerMonth: { rule: int(0, 1e11), default: 100_000, flag: "backup-puts", means: "Litestream PUT/LIST requests per month, all regions" },
  backupGetsPerMonth: { rule: int(0, 1e11), default: 1_000, flag: "backup-gets", means: "GET requests to the backup bucket per month (restores, checks)" },
};

export type AssumptionKey = keyof typeof ASSUMPTIONS;
export type Assumptions = { -readonly [K in AssumptionKey]: z.output<(typeof ASSUMPTIONS)[K]["rule"]> };
export type Origin = "default" | "stack" | "flag";

const ASSUMPTION_KEYS = Object.keys(ASSUMPTIONS) as AssumptionKey[];

const priceOverrides = strict(Object.fromEntries(PRICE_IDS.map((id) => [id, decimal(0, 1e6).optional()])) as Record<PriceId, z.ZodOptional<ReturnType<typeof decimal>>>);

/** The optional `cost:` block of a stack: assumptions, and prices in each price's own unit. */
export const costBlockSchema = strict({
  ...(Object.fromEntries(ASSUMPTION_KEYS.map((key) => [key, ASSUMPTIONS[key].rule.optional()])) as {
    [K in AssumptionKey]: z.ZodOptional<(typeof ASSUMPTIONS)[K]["rule"]>;
  }),
  prices: priceOverrides.optional(),
});

export type CostBlock = z.output<typeof costBlockSchema>;

/** `--placement edge=0.5,fly=0.3,modal=0.2` → `{ edge: 0.5, fly: 0.3, modal: 0.2 }`. */
function parsePlacement(text: string): unknown {
  const shares: Record<string, unknown> = {};
  for (const part of text.split(",")) {
    const [name = "", value = ""] = part.split("=");
    shares[name.trim()] = Number(value);
  }
  return shares;
}

/** Reads assumption flags (strings, as parseArgs gives them); a bad one is refused by flag name. */
export function parseAssumptionFlags(values: Record<string, string | boolean | undefined>): Partial<Assumptions> {
  const parsed: Record<string, unknown> = {};
  const issues: string[] = [];
  for (const key of ASSUMPTION_KEYS) {
    const { flag, rule } = ASSUMPTIONS[key];
    const text = values[flag];
    if (typeof text !== "string") continue;
    const raw = key === "placement" ? parsePlacement(text) : key === "modalGpu" ? text : text.trim() === "" ? Number.NaN : Number(text);
    if (typeof raw === "number" && Number.isNaN(raw)) {
      issues.push(`--${flag} ${JSON.stringify(text)}: expected a number`);
      continue;
    }
    const result = (rule as z.ZodType).safeParse(raw, { reportInput: true });
    if (result.success) parsed[key] = result.data;
    else issues.push(...formatIssues(result.error.issues).map((line) => `--${flag} ${JSON.stringify(text)}: ${line.replace(/^\(stack config\): /, "")}`));
  }
  if (issues.length > 0) throw new StackConfigError("the command line", issues);
  return parsed as Partial<Assumptions>;
}

/** The parseArgs options of every assumption flag. */
export function assumptionFlagOptions(): Record<string, { type: "string" }> {
  return Object.fromEntries(ASSUMPTION_KEYS.map((key) => [ASSUMPTIONS[key].flag, { type: "string" as const }]));
}

export interface ResolvedAssumptions {
  values: Assumptions;
  origin: Record<AssumptionKey, Origin>;
}

/** Flags over the stack's cost block over the defaults. */
export function resolveAssumptions(block: CostBlock | undefined, flags: Partial<Assumptions> = {}): ResolvedAssumptions {
  const values = {} as Record<AssumptionKey, unknown>;
  const origin = {} as Record<AssumptionKey, Origin>;
  for (const key of ASSUMPTION_KEYS) {
    if (flags[key] !== undefined) [values[key], origin[key]] = [flags[key], "flag"];
    else if (block?.[key] !== undefined) [values[key], origin[key]] = [block[key], "stack"];
    else [values[key], origin[key]] = [structuredClone(ASSUMPTIONS[key].default), "default"];
  }
  return { values: values as Assumptions, origin };
}

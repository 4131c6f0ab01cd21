/**
 * One trial's verdict: what the model called, against what the case expects.
 * The chosen tool is the model's first call (a client runs that one first);
 * every call counts against `forbid`. Argument values are compared after a
 * JSON round trip, as they travel; a schema is checked with Ajv (draft
 * 2020-12, the dialect tools/list uses).
 */
import { isDeepStrictEqual } from "node:util";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { type EvalCase, NO_TOOL } from "./suite.ts";

export interface ToolCall {
  name: string;
  arguments: unknown;
}

export interface Verdict {
  pass: boolean;
  /** The first tool called, or `(no tool)`. */
  chosen: string;
  /** Why it failed, one line; absent on a pass. */
  reason?: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

const show = (value: unknown) => JSON.stringify(value) ?? "undefined";

function argumentProblem(expect: { arguments?: Record<string, unknown>; argumentsSchema?: Record<string, unknown> }, given: unknown): string | undefined {
  if (typeof given !== "object" || given === null || Array.isArray(given)) return `its arguments are ${show(given)}, not an object`;
  const args = given as Record<string, unknown>;
  for (const [key, value] of Object.entries(expect.arguments ?? {})) {
    if (!isDeepStrictEqual(args[key], value)) return `argument ${key} is ${show(args[key])}, expected ${show(value)}`;
  }
  if (expect.argumentsSchema) {
    const validate = validatorFor(expect.argumentsSchema);
    if (!validate(args)) {
      const first = validate.errors?.[0];
      return `arguments do not match the case's schema: ${first?.instancePath || "(arguments)"} ${first?.message ?? "is invalid"}`;
    }
  }
  return undefined;
}

export function judge(c: EvalCase, calls: readonly ToolCall[]): Verdict {
  const chosen = calls[0]?.name ?? NO_TOOL;
  const forbidden = calls.map((call) => call.name).filter((name) => c.forbid.includes(name));
  if (forbidden.length > 0) return { pass: false, chosen, reason: `called ${[...new Set(forbidden)].join(", ")}, which this case forbids` };
  if ("noTool" in c.expect) return calls.length === 0 ? { pass: true, chosen } : { pass: false, chosen, reason: `called ${chosen}; no tool was expected` };
  if (chosen !== c.expect.tool) return { pass: false, chosen, reason: chosen === NO_TOOL ? `called no tool; expected ${c.expect.tool}` : `called ${chosen}; expected ${c.expect.tool}` };
  const problem = argumentProblem(c.expect, calls[0]!.arguments);
  return problem ? { pass: false, chosen, reason: problem } : { pass: true, chosen };
}

/** Whether a case's argument schema compiles: checked when the suite loads, not mid-run. */
export function schemaProblem(c: EvalCase): string | undefined {
  if (!("tool" in c.expect) || !c.expect.argumentsSchema) return undefined;
  try {
    validatorFor(c.expect.argumentsSchema);
    return undefined;
  } catch (error) {
    return `${c.file}: case ${c.id}: expect.argumentsSchema is not a valid JSON Schema: ${(error as Error).message}`;
  }
}

/**
 * The offline diff: what a change of stack config does to the resource graph,
 * without a cloud account. The program runs twice under mocks:
 *
 * 1. the base config, as the "current state";
 * 2. the changed config against that state: a resource whose
 *    inputs are the same keeps its id and outputs; one updated in place keeps
 *    its id; one created or replaced gets an unknown id and unknown computed
 *    outputs, which reach its dependents' inputs as unknown values, as in
 *    `pulumi preview`.
 *
 * Both runs are previews, so an output that the mocks do not model is unknown
 * in both and never shows as a change by itself.
 *
 * Each resource's change is classified by its provider's replace rules
 * (replace-rules.ts). Resources are matched by type and name, which are unique
 * in this program (checked).
 */
import { evaluateOffline, isSecretValue, type Registration } from "./evaluate.ts";
import { fakeCloud } from "./fake-cloud.ts";
import { classifyChange, type ReplaceRule } from "./replace-rules.ts";

export type ChangeKind = "create" | "update" | "replace" | "delete";

/** An unknown value (the engine's encoding), shown as "(known after apply)". */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface InputChange {
  /** Path inside the inputs, e.g. `versions[0].percentage`. */
  path: string;
  before: unknown;
  after: unknown;
}

export interface ResourceChange {
  kind: ChangeKind;
  type: string;
  name: string;
  parent?: string;
  /** The changed inputs, secrets still marked. */
  inputs: InputChange[];
  /** Inputs that force a replacement. */
  replaceKeys: string[];
  /** What a replacement means for this type. */
  note?: string;
}

export interface StackDiff {
  changes: ResourceChange[];
  counts: Record<ChangeKind, number>;
  unchanged: number;
}

/** Keys the engine adds that are not the resource's inputs. */
const NOT_INPUTS = new Set(["__defaults", "__provider"]);

const keyOf = (type: string, name: string) => `${type}::${name}`;

interface Known {
  registration: Registration;
  id: string;
  state: Record<string, unknown>;
}

function inputsOf(registration: Registration): Record<string, unknown> {
  return Object.fromEntries(Object.entries(registration.inputs).filter(([key]) => !NOT_INPUTS.has(key)));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && v !== null)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, normalize(v)]),
    );
  }
  return value;
}

/** Leaf-level differences between two input values. */
export function inputChanges(before: unknown, after: unknown, path = ""): InputChange[] {
  if (same(before, after)) return [];
  const plainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !isSecretValue(v);
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: InputChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) out.push(...inputChanges(before[i], after[i], `${path}[${i}]`));
    return out;
  }
  if (plainObject(before) && plainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => !NOT_INPUTS.has(key));
    return keys.flatMap((key) => inputChanges(before[key], after[key], path === "" ? key : `${path}.${key}`));
  }
  return [{ path, before, after }];
}

function dropKeys(state: Record<string, unknown>, keys: readonly string[] = []): Record<string, unknown> {
  return Object.fromEntries(Object.entries(state).filter(([key]) => !keys.includes(key)));
}

/**
 * Diffs the programs `before` and `after` (e.g. `() => buildStack(config, deps)`
 * for two configs of one stack).
 */
export async function diffPrograms(stack: string, before: () => unknown, after: () => unknown): Promise<StackDiff> {
  const base = new Map<string, Known>();
  const answers = new Map<string, { id: string; state: Record<string, unknown> }>();
  // One account for both: the second evaluation changes what the first one deployed.
  const cloud = fakeCloud();
  const first = await evaluateOffline(stack, before, {
    newResource: (args) => {
      const result = cloud.newResource(args);
      answers.set(keyOf(args.type, args.name), { id: result.id ?? "", state: result.state as Record<string, unknown> });
      return result;
    },
  }, { preview: true, cloud });
  for (const registration of first.registrations) {
    const key = keyOf(registration.type, registration.name);
    if (base.has(key)) throw new Error(`offline diff: two resources are named ${registration.name} (${registration.type})`);
    const answer = answers.get(key);
    base.set(key, { registration, id: answer?.id ?? "", state: answer?.state ?? {} });
  }

  const changes = new Map<string, ResourceChange>();
  const rules = new Map<string, ReplaceRule | undefined>();
  const second = await evaluateOffline(
    stack,
    after,
    {
      newResource: (args) => {
        const key = keyOf(args.type, args.name);
        const known = base.get(key);
        const change = changes.get(key);
        if (known && !change) return { id: known.id, state: known.state };
        const state = cloud.newResource(args).state as Record<string, unknown>;
        if (known && change?.kind === "update") return { id: known.id, state: dropKeys(state, rules.get(key)?.recomputedOnUpdate) };
        return { id: undefined as unknown as string, state: args.inputs };
      },
    },
    {
      preview: true,
      cloud,
      beforeRegister: async (registration) => {
        if (!registration.custom) return;
        const key = keyOf(registration.type, registration.name);
        const known = base.get(key);
        const entry = { type: registration.type, name: registration.name, ...(registration.parent ? { parent: registration.parent } : {}) };
        if (!known) {
          changes.set(key, { ...entry, kind: "create", inputs: inputChanges(undefined, inputsOf(registration)), replaceKeys: [] });
          return;
        }
        const olds = inputsOf(known.registration);
        const news = inputsOf(registration);
        const changed = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => !same(olds[k], news[k]));
        if (changed.length === 0) return;
        const { kind, replaceKeys, rule } = await classifyChange(registration.type, changed, olds, news);
        if (kind === "none") return;
        rules.set(key, rule);
        const note = kind === "replace" ? rule?.replaceNote : undefined;
        changes.set(key, { ...entry, kind, inputs: inputChanges(olds, news), replaceKeys, ...(note ? { note } : {}) });
      },
    },
  );

  const seen = new Set(second.registrations.map((r) => keyOf(r.type, r.name)));
  const ordered = second.registrations.map((r) => changes.get(keyOf(r.type, r.name))).filter((c): c is ResourceChange => c !== undefined);
  for (const [key, known] of base) {
    if (seen.has(key) || !known.registration.custom) continue;
    const r = known.registration;
    ordered.push({ kind: "delete", type: r.type, name: r.name, ...(r.parent ? { parent: r.parent } : {}), inputs: [], replaceKeys: [] });
  }
  const counts: Record<ChangeKind, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const change of ordered) counts[change.kind] += 1;
  const custom = second.registrations.filter((r) => r.custom).length;
  return { changes: ordered, counts, unchanged: custom - counts.create - counts.update - counts.replace };
}


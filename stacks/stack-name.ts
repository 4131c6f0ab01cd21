/**
 * A stack is a `Pulumi.<stack>.yaml` beside `Pulumi.yaml`. A name with no such
 * file is a typo far more often than a new stack, so the error lists the
 * stacks that exist and suggests the nearest.
 */
import { readdirSync } from "node:fs";
import { dirname, resolve } from "node:path";

export class StackNotFoundError extends Error {
  constructor(stack: string, dir: string) {
    const known = stacksIn(dir);
    const nearest = nearestName(stack, known);
    const list = known.length === 0 ? "none (no Pulumi.<stack>.yaml here)" : known.join(", ");
    super(`stack ${JSON.stringify(stack)} does not exist: there is no Pulumi.${stack}.yaml in ${dir}. Stacks here: ${list}${nearest ? `. Did you mean ${nearest}?` : ""}`);
    this.name = "StackNotFoundError";
  }
}

/** The stacks of a project directory, from its `Pulumi.<stack>.yaml` files. */
export function stacksIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => /^Pulumi\.([^.]+)\.yaml$/.exec(name)?.[1] ?? []).sort();
}

/** The stack of `dir` whose file `path` would be, for the error above. */
export function stackNotFound(stack: string, path: string): StackNotFoundError {
  return new StackNotFoundError(stack, resolve(dirname(path)));
}

/**
 * Edit distance counting a swap of two neighbours as one edit (`prdo` → `prod`
 * is 1), the optimal-string-alignment variant of Damerau-Levenshtein.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name within two edits of `name` (the closest), if any. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const ranked = known.map((k) => ({ k, distance: editDistance(name.toLowerCase(), k.toLowerCase()) })).sort((x, y) => x.distance - y.distance);
  return ranked[0] && ranked[0].distance <= 2 ? ranked[0].k : undefined;
}

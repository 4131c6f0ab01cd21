/**
 * `pulumi up` and `pulumi preview` of the stand-in: the project's program
 * (infra/index.ts, run from infra/ as the Node.js language host runs it) under
 * Pulumi's mocks, each registered resource applied by providers.ts against
 * the stack's last state, then the resources the program no longer registers
 * deleted, newest first, and the stack outputs recorded. It keeps no more of
 * an engine than that: no refresh, no targets, no parallelism beyond the
 * program's own ordering (a resource registers once its inputs and
 * dependencies are resolved, which under mocks means once they were applied).
 */
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { resolveAll } from "../../../infra/plan/evaluate.ts";
import { readState, type ResourceState, StandInError, writeState } from "./backend.ts";
import { apply, type Change, PartialCreate, remove, type ProviderContext } from "./providers.ts";
import { PROJECT, programConfig } from "./stack-config.ts";

export interface RunResult {
  ok: boolean;
  counts: Record<Change, number>;
}

const VERB: Record<Change, [string, string]> = {
  create: ["+", "created"],
  update: ["~", "updated"],
  replace: ["+-", "replaced"],
  delete: ["-", "deleted"],
  same: [" ", "unchanged"],
};

const PREVIEW_VERB: Record<Change, string> = { create: "create", update: "update", replace: "replace", delete: "delete", same: "same" };

export async function run(root: string, stack: string, preview: boolean, log: (line: string) => void): Promise<RunResult> {
  const started = performance.now();
  const config = programConfig(root, stack);
  const state = readState(stack);
  const ctx: ProviderContext = { config: config.values, project: PROJECT, log };
  const counts: Record<Change, number> = { create: 0, update: 0, replace: 0, delete: 0, same: 0 };
  const seen = new Set<string>();
  const errors: string[] = [];
  const next: Record<string, ResourceState> = {};
  // Resources keep their place: the ones applied now in registration order, after the ones left as they were.
  const record = (key: string, value: ResourceState) => {
    delete state.resources[key];
    next[key] = value;
  };

  log(`${preview ? "Previewing update" : "Updating"} (${stack}):`);
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const key = `${args.type}::${args.name}`;
        seen.add(key);
        const prev = state.resources[key] ?? next[key];
        const custom = args.custom !== false;
        try {
          const { change, applied } = await apply(args.type, custom, prev && { id: prev.id, inputs: prev.inputs, outputs: prev.outputs }, args.inputs as Record<string, unknown>, ctx, preview);
          counts[change] += 1;
          if (custom && change !== "same") log(preview ? `    ${VERB[change][0]} ${args.type} ${args.name} ${PREVIEW_VERB[change]}` : `    ${VERB[change][0]} ${args.type} ${args.name} ${VERB[change][1]}`);
          if (!preview) record(key, { type: args.type, name: args.name, custom, id: applied.id, inputs: applied.inputs, outputs: applied.outputs });
          return { id: applied.id || `${args.name}-id`, state: applied.outputs };
        } catch (error) {
          if (error instanceof PartialCreate && !preview) record(key, { type: args.type, name: args.name, custom, ...error.applied });
          const message = error instanceof Error ? error.message : String(error);
          log(`    ${args.type} ${args.name} **${preview ? "failed" : "creating failed"}** error: ${message.split("\n")[0]}`);
          errors.push(`  ${args.type} (${args.name}):\n    error: ${message}`);
          throw error;
        }
      },
      call: (args) => args.inputs as pulumi.runtime.MockCallResult,
    },
    PROJECT,
    stack,
    preview,
  );

  const failures: unknown[] = [];
  const onRejection = (reason: unknown) => void failures.push(reason);
  process.on("unhandledRejection", onRejection);
  let program: Record<string, unknown> = {};
  const cwd = process.cwd();
  try {
    // The language host runs the program in the directory of `main` (pkg/engine/project.go, getPwdMain).
    process.chdir(join(root, "infra"));
    program = (await import(pathToFileURL(join(root, "infra", "index.ts")).href)) as Record<string, unknown>;
  } catch (error) {
    errors.push(`  pulumi:pulumi:Stack (mcp-hosting-${stack}):\n    error: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await pulumi.runtime.disconnect();
    process.chdir(cwd);
  }

  if (errors.length === 0 && failures.length === 0) {
    // What the program no longer registers goes, newest first (dependents before what they depend on).
    for (const [key, prev] of Object.entries(state.resources).reverse()) {
      if (seen.has(key)) continue;
      counts.delete += 1;
      if (preview) {
        if (prev.custom) log(`    - ${prev.type} ${prev.name} delete`);
        continue;
      }
      try {
        await remove(prev.type, prev.custom, prev, ctx);
        delete state.resources[key];
        if (prev.custom) log(`    - ${prev.type} ${prev.name} deleted`);
      } catch (error) {
        errors.push(`  ${prev.type} (${prev.name}):\n    error: ${error instanceof Error ? error.message : String(error)}`);
        break;
      }
    }
  }
  for (const failure of failures) {
    const message = failure instanceof Error ? failure.message : String(failure);
    if (!errors.some((line) => line.includes(message.split("\n")[0]!))) errors.push(`  pulumi:pulumi:Stack (mcp-hosting-${stack}):\n    error: ${message}`);
  }

  const ok = errors.length === 0;
  if (!preview) {
    const outputs = ok ? ((await resolveAll(Object.fromEntries(Object.entries(program).filter(([name]) => name !== "default")))) as Record<string, unknown>) : state.outputs;
    writeState(stack, { resources: { ...state.resources, ...next }, outputs, updates: state.updates + 1 });
  }
  if (!ok) log(`Diagnostics:\n${errors.join("\n")}`);
  const shown = (["create", "update", "replace", "delete"] as const).filter((change) => counts[change] > 0).map((change) => `${counts[change]} ${preview ? `to ${PREVIEW_VERB[change]}` : VERB[change][1]}`);
  log(`Resources:\n    ${[...shown, `${counts.same} unchanged`].join(", ")}`);
  log(`Duration: ${((performance.now() - started) / 1000).toFixed(1)}s`);
  if (!ok) throw new StandInError(preview ? "error: preview failed" : "error: update failed");
  return { ok, counts };
}

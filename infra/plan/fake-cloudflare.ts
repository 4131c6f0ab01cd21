/**
 * Cloudflare's Workers rules as the offline plan's fake cloud applies them, so
 * that `npm run plan` fails where a real `pulumi up` would. One instance is one
 * account, starting empty (a fresh stack). Each rule cites where Cloudflare
 * documents it, or where its API was seen to answer so:
 *
 * - 10211: a Worker version that carries a Durable Object migration is refused;
 *   migrations are applied by a non-versioned upload
 *   (developers.cloudflare.com/workers/versions-and-deployments/gradual-deployments/with-durable-objects/;
 *   the text is the API's, quoted in cloudflare/cloudflare-docs issue #32982).
 * - 10061: a version that binds a class no applied migration created is refused
 *   (cloudflare/workers-sdk issues #10034 and #10246, answered by `/versions`).
 * - 10064: an upload whose code no longer exports a class existing objects
 *   depend on is refused (iterate/iterate PR #1796). The fake cannot see a
 *   placeholder bundle's exports; our Worker binds every class it exports, so
 *   a version's Durable Object bindings stand in for its exports.
 * - 10079 / HTTP 412: a migration whose `old_tag` is not the script's current
 *   tag (workers-sdk issues #705, #6953).
 * - A deployment cannot include a version uploaded before the script's last
 *   migration (developers.cloudflare.com/workers/versions-and-deployments/rollbacks/,
 *   Limits › Bindings; the gradual-deployments page above).
 */
import * as pulumi from "@pulumi/pulumi";
import { pendingSteps } from "../../stacks/migrations.ts";
import type { DurableObjectMigrationStep } from "../../app/scripts/worker-platform.ts";

/** What Cloudflare would answer, as the error a real `pulumi up` would print. */
export class CloudflareRefusal extends Error {
  constructor(resource: string, message: string) {
    super(`${resource}: Cloudflare would refuse this: ${message}`);
    this.name = "CloudflareRefusal";
  }
}

interface FakeScript {
  name: string;
  appliedTag: string | undefined;
  /** Durable Object classes created by applied migrations and not deleted since. */
  classes: Set<string>;
  /** Every version uploaded, with the migration tag the script had then. */
  versions: Map<string, { tagAtUpload: string | undefined }>;
}

interface Binding {
  type?: string;
  name?: string;
  className?: string;
  class_name?: string;
}

export const TYPES = {
  worker: "cloudflare:index/worker:Worker",
  version: "cloudflare:index/workerVersion:WorkerVersion",
  deployment: "cloudflare:index/workersDeployment:WorkersDeployment",
};

export function isScriptMigrations(type: string): boolean {
  return type.endsWith(":ScriptMigrations");
}

/** A mock sees a secret input as `{ [sig]: secretSig, value }`; the cloud sees the value. */
function revealed(value: unknown): unknown {
  const wrapped = typeof value === "object" && value !== null && (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
  return wrapped ? (value as { value: unknown }).value : value;
}

const doClasses = (bindings: unknown[]): string[] =>
  (bindings as Binding[])
    .map((b) => revealed(b) as Binding)
    .filter((b) => b.type === "durable_object_namespace")
    .map((b) => b.className ?? b.class_name ?? "");

export class FakeCloudflare {
  readonly #byName = new Map<string, FakeScript>();
  readonly #byWorkerId = new Map<string, FakeScript>();

  /** `cloudflare.Worker`: the script exists, with no code, no migration, no version. */
  createWorker(id: string, inputs: Record<string, unknown>): void {
    const name = String(inputs.name);
    const script = this.#byName.get(name) ?? { name, appliedTag: undefined, classes: new Set<string>(), versions: new Map() };
    this.#byName.set(name, script);
    this.#byWorkerId.set(id, script);
  }

  /** The non-versioned upload with the pending migrations; returns the tag now applied. */
  applyMigrations(resource: string, inputs: Record<string, unknown>): { appliedTag: string | undefined } {
    const script = this.#script(resource, this.#byName.get(String(inputs.scriptName)), String(inputs.scriptName));
    const migrations = (inputs.migrations ?? []) as DurableObjectMigrationStep[];
    const pending = pendingSteps(migrations, script.appliedTag);
    if (!pending.ok) throw new CloudflareRefusal(resource, `Migration tag precondition failed; ${pending.reason} [code: 10079]`);
    const classes = new Set(script.classes);
    for (const step of pending.steps) {
      const fail = (what: string) => {
        throw new CloudflareRefusal(resource, `migration ${step.tag}: ${what}`);
      };
      for (const name of [...(step.newClasses ?? []), ...(step.newSqliteClasses ?? [])]) {
        if (classes.has(name)) fail(`class ${name} already implements Durable Objects (expected a class no migration created)`);
        classes.add(name);
      }
      for (const name of step.deletedClasses ?? []) {
        if (!classes.delete(name)) fail(`cannot delete class ${name}: no applied migration created it`);
      }
      for (const { from, to } of step.renamedClasses ?? []) {
        if (!classes.delete(from)) fail(`cannot rename class ${from}: no applied migration created it`);
        classes.add(to);
      }
      for (const { to } of step.transferredClasses ?? []) classes.add(to);
    }
    // In a preview the upload can be unknown (it holds outputs of other resources); Cloudflare checks it at apply time.
    const upload = revealed(inputs.upload) as { bindings?: unknown } | undefined;
    const bindings = revealed(upload?.bindings);
    if (Array.isArray(bindings)) this.#checkBindings(resource, classes, doClasses(bindings));
    script.classes = classes;
    if (pending.steps.length > 0) script.appliedTag = pending.steps[pending.steps.length - 1]!.tag;
    return { appliedTag: script.appliedTag };
  }

  /** `cloudflare.WorkerVersion`: an upload that must carry no migration and bind only migrated classes. */
  uploadVersion(resource: string, id: string, inputs: Record<string, unknown>): void {
    // In a preview the id of a Worker created by the same update is unknown; Cloudflare checks its first versions at apply time.
    if (typeof inputs.workerId !== "string") return;
    const script = this.#script(resource, this.#byWorkerId.get(inputs.workerId), inputs.workerId);
    if (inputs.migrations !== undefined && inputs.migrations !== null) {
      throw new CloudflareRefusal(
        resource,
        "Version upload failed. You attempted to upload a version of a Worker that includes a Durable Object migration, " +
          "but migrations must be fully applied via a non-versioned deployment. [code: 10211]",
      );
    }
    const bindings = revealed(inputs.bindings);
    if (Array.isArray(bindings)) this.#checkBindings(resource, script.classes, doClasses(bindings));
    script.versions.set(id, { tagAtUpload: script.appliedTag });
  }

  /** `cloudflare.WorkersDeployment`: only versions uploaded since the last migration can take traffic. */
  deploy(resource: string, inputs: Record<string, unknown>): void {
    const script = this.#script(resource, this.#byName.get(String(inputs.scriptName)), String(inputs.scriptName));
    for (const { versionId } of (inputs.versions ?? []) as { versionId?: string }[]) {
      // In a preview a new version's id is unknown; Cloudflare checks it at apply time, as this does at plan time.
      if (typeof versionId !== "string" || versionId === "") continue;
      const version = script.versions.get(versionId);
      if (!version) throw new CloudflareRefusal(resource, `version ${versionId} is not a version of ${script.name}`);
      if (version.tagAtUpload !== script.appliedTag) {
        throw new CloudflareRefusal(
          resource,
          `version ${versionId} was uploaded before Durable Object migration ${script.appliedTag}, and a deployment cannot go back across a migration ` +
            "(developers.cloudflare.com/workers/versions-and-deployments/rollbacks/, Limits › Bindings)",
        );
      }
    }
  }

  #script(resource: string, script: FakeScript | undefined, key: string): FakeScript {
    if (!script) throw new CloudflareRefusal(resource, `no Worker ${key} in the account (expected the Worker resource to exist first)`);
    return script;
  }

  #checkBindings(resource: string, classes: ReadonlySet<string>, bound: readonly string[]): void {
    for (const name of bound) {
      if (!classes.has(name)) {
        throw new CloudflareRefusal(
          resource,
          `Cannot create binding for class '${name}' because it is not currently configured to implement Durable Objects. ` +
            "Ensure a --new-class migration has been applied to it. [code: 10061]",
        );
      }
    }
    for (const name of classes) {
      if (!bound.includes(name)) {
        throw new CloudflareRefusal(resource, `New version of script does not export class '${name}' which is depended on by existing Durable Objects. [code: 10064]`);
      }
    }
  }
}

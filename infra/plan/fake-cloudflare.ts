/**
 * Cloudflare's Workers rules as one account, starting empty (a fresh stack):
 * the offline plan's fake cloud applies a program's resources to it, so that
 * `npm run plan` fails where a real `pulumi up` would, and the rehearsal's
 * fake Cloudflare API (test/fixtures/fake-cloudflare-api.ts) answers over it
 * across steps. Each rule cites where Cloudflare documents it, or where its
 * API was seen to answer so:
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
 * - A non-versioned upload (`PUT …/workers/scripts/{name}`, what wrangler
 *   deploy and our ScriptMigrations do) creates a version and deploys it to
 *   100% at once, over any split ("By default, a new version is created and
 *   immediately deployed to 100% of traffic when you use … the Workers Script
 *   Upload API": workers/versions-and-deployments/deployment-management); the
 *   `WorkersDeployment` resource is not told: its read fetches the deployment
 *   id in its state (terraform-provider-cloudflare
 *   internal/services/workers_deployment/resource.go), which still exists.
 * - A deployment cannot include a version uploaded before the script's last
 *   migration (workers/versions-and-deployments/rollbacks/, Limits › Bindings;
 *   the gradual-deployments page above). The API's current code for it is not
 *   documented; the one seen is 100140, "Failed to rollback due to external
 *   resources being modified" (workers-sdk issue #2756).
 * - A deployment's percentages add up to 100 (workers/configuration/versions-and-deployments/gradual-deployments/).
 */
import { randomUUID } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { pendingSteps } from "../../stacks/migrations.ts";
import type { DurableObjectMigrationStep } from "../../app/scripts/worker-platform.ts";

/** What Cloudflare would answer, as the error a real `pulumi up` would print. */
export class CloudflareRefusal extends Error {
  /** Cloudflare's error code, when it has one. */
  readonly code: number | undefined;
  /** The API's own words, without the resource. */
  readonly reason: string;
  constructor(resource: string, reason: string, code?: number) {
    super(`${resource}: Cloudflare would refuse this: ${reason}`);
    this.name = "CloudflareRefusal";
    this.reason = reason;
    this.code = code;
  }
}

export interface FakeVersion {
  id: string;
  /** The migration tag the script had when this version was uploaded. */
  tagAtUpload: string | undefined;
  /** How it came: a version upload, or a non-versioned upload (deployed at once). */
  via: "version" | "upload";
}

export interface FakeDeployment {
  id: string;
  versions: { versionId: string; percentage: number }[];
  /** What made it: a deployment request, or a non-versioned upload at 100%. */
  via: "deployment" | "upload";
}

export interface FakeScript {
  name: string;
  appliedTag: string | undefined;
  /** Durable Object classes created by applied migrations and not deleted since. */
  classes: Set<string>;
  /** Every version uploaded, in order. */
  versions: Map<string, FakeVersion>;
  /** Every deployment, oldest first; the last is the one that takes traffic. */
  deployments: FakeDeployment[];
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

/** The classes of a list of bindings (`className` as the provider spells it, `class_name` as the API does). */
export const doClasses = (bindings: unknown[]): string[] =>
  (bindings as Binding[])
    .map((b) => revealed(b) as Binding)
    .filter((b) => b.type === "durable_object_namespace")
    .map((b) => b.className ?? b.class_name ?? "");

const newScript = (name: string): FakeScript => ({ name, appliedTag: undefined, classes: new Set<string>(), versions: new Map(), deployments: [] });

export class FakeCloudflare {
  readonly #byName = new Map<string, FakeScript>();
  readonly #byWorkerId = new Map<string, FakeScript>();

  /** `cloudflare.Worker`: the script exists, with no code, no migration, no version. */
  createWorker(id: string, inputs: Record<string, unknown>): void {
    const name = String(inputs.name);
    const script = this.#byName.get(name) ?? newScript(name);
    this.#byName.set(name, script);
    this.#byWorkerId.set(id, script);
  }

  script(name: string): FakeScript | undefined {
    return this.#byName.get(name);
  }

  scriptOfWorker(id: string): FakeScript | undefined {
    return this.#byWorkerId.get(id);
  }

  /** The deployment that takes the script's traffic now. */
  activeDeployment(name: string): FakeDeployment | undefined {
    return this.#byName.get(name)?.deployments.at(-1);
  }

  /** The plan's non-versioned upload: the pending ones of a release's migrations; returns the tag now applied. */
  applyMigrations(resource: string, inputs: Record<string, unknown>): { appliedTag: string | undefined } {
    const script = this.#script(resource, this.#byName.get(String(inputs.scriptName)), String(inputs.scriptName));
    const migrations = (inputs.migrations ?? []) as DurableObjectMigrationStep[];
    const pending = pendingSteps(migrations, script.appliedTag);
    if (!pending.ok) throw new CloudflareRefusal(resource, `Migration tag precondition failed; ${pending.reason} [code: 10079]`, 10079);
    // In a preview the upload can be unknown (it holds outputs of other resources); Cloudflare checks it at apply time.
    const upload = revealed(inputs.upload) as { bindings?: unknown } | undefined;
    const bindings = revealed(upload?.bindings);
    this.#applySteps(resource, script, pending.steps, Array.isArray(bindings) ? doClasses(bindings) : undefined);
    return { appliedTag: script.appliedTag };
  }

  /**
   * The API's non-versioned upload, `PUT …/workers/scripts/{name}`: the
   * migrations it carries (`old_tag` the precondition), the binding checks, and
   * a version deployed at 100% at once; returns that version's id.
   */
  uploadScript(resource: string, name: string, upload: { migrations?: { oldTag?: string; newTag?: string; steps: DurableObjectMigrationStep[] }; boundClasses: string[] }): string {
    const script = this.#byName.get(name) ?? newScript(name);
    this.#byName.set(name, script);
    const migrations = upload.migrations;
    if (migrations) {
      if ((migrations.oldTag ?? undefined) !== script.appliedTag) {
        throw new CloudflareRefusal(resource, `Migration tag precondition failed; current tag is ${script.appliedTag ?? "(none)"} [code: 10079]`, 10079);
      }
      // The wire's steps carry no tags of their own: the upload as a whole moves the script to `new_tag`.
      this.#applySteps(resource, script, migrations.steps.map((step) => ({ ...step, tag: migrations.newTag ?? step.tag })), upload.boundClasses);
    } else {
      this.#checkBindings(resource, script.classes, upload.boundClasses);
    }
    const id = randomUUID();
    script.versions.set(id, { id, tagAtUpload: script.appliedTag, via: "upload" });
    script.deployments.push({ id: randomUUID(), versions: [{ versionId: id, percentage: 100 }], via: "upload" });
    return id;
  }

  #applySteps(resource: string, script: FakeScript, steps: readonly DurableObjectMigrationStep[], bound: string[] | undefined): void {
    const classes = new Set(script.classes);
    for (const step of steps) {
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
    if (bound) this.#checkBindings(resource, classes, bound);
    script.classes = classes;
    if (steps.length > 0) script.appliedTag = steps[steps.length - 1]!.tag;
  }

  /** `cloudflare.WorkerVersion`: an upload that must carry no migration and bind only migrated classes. Returns its id. */
  uploadVersion(resource: string, id: string, inputs: Record<string, unknown>): string | undefined {
    // In a preview the id of a Worker created by the same update is unknown; Cloudflare checks its first versions at apply time.
    if (typeof inputs.workerId !== "string") return undefined;
    const script = this.#script(resource, this.#byWorkerId.get(inputs.workerId), inputs.workerId);
    if (inputs.migrations !== undefined && inputs.migrations !== null) {
      throw new CloudflareRefusal(
        resource,
        "Version upload failed. You attempted to upload a version of a Worker that includes a Durable Object migration, " +
          "but migrations must be fully applied via a non-versioned deployment. [code: 10211]",
        10211,
      );
    }
    const bindings = revealed(inputs.bindings);
    if (Array.isArray(bindings)) this.#checkBindings(resource, script.classes, doClasses(bindings));
    script.versions.set(id, { id, tagAtUpload: script.appliedTag, via: "version" });
    return id;
  }

  /** `cloudflare.WorkersDeployment`: only versions uploaded since the last migration can take traffic. Returns its id. */
  deploy(resource: string, inputs: Record<string, unknown>, id: string = randomUUID()): string {
    const script = this.#script(resource, this.#byName.get(String(inputs.scriptName)), String(inputs.scriptName));
    const shares = ((inputs.versions ?? []) as { versionId?: string; percentage?: number }[]).map((v) => ({ versionId: v.versionId, percentage: Number(v.percentage ?? 0) }));
    let unknown = false;
    for (const { versionId } of shares) {
      // In a preview a new version's id is unknown; Cloudflare checks it at apply time, as this does at plan time.
      if (typeof versionId !== "string" || versionId === "") {
        unknown = true;
        continue;
      }
      const version = script.versions.get(versionId);
      if (!version) throw new CloudflareRefusal(resource, `version ${versionId} is not a version of ${script.name}`);
      if (version.tagAtUpload !== script.appliedTag) {
        throw new CloudflareRefusal(
          resource,
          `version ${versionId} was uploaded before Durable Object migration ${script.appliedTag}, and a deployment cannot go back across a migration ` +
            "(developers.cloudflare.com/workers/versions-and-deployments/rollbacks/, Limits › Bindings)",
          100140,
        );
      }
    }
    if (unknown) return id;
    const total = shares.reduce((sum, share) => sum + share.percentage, 0);
    if (total !== 100) throw new CloudflareRefusal(resource, `the versions' percentages add up to ${total} (expected 100)`);
    script.deployments.push({ id, versions: shares as FakeDeployment["versions"], via: "deployment" });
    return id;
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
          10061,
        );
      }
    }
    for (const name of classes) {
      if (!bound.includes(name)) {
        throw new CloudflareRefusal(resource, `New version of script does not export class '${name}' which is depended on by existing Durable Objects. [code: 10064]`, 10064);
      }
    }
  }
}

/**
 * Runs the program offline under `pulumi.runtime.setMocks` and records every
 * resource it registers, with its parent and the inputs as the engine would
 * receive them (secrets still wrapped as secrets). This is not `pulumi
 * preview`: no provider, no cloud, no state; only the program's own graph.
 *
 * Neither the parent of a resource nor where its secrets sit is part of the
 * Mocks API, so the mock monitor's registerResource is wrapped to read both
 * from the request.
 */
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../../stacks/load.ts";
import { type FakeCloud, fakeCloud } from "./fake-cloud.ts";

export interface Registration {
  urn: string;
  type: string;
  name: string;
  /** Name of the parent resource, if any. */
  parent?: string;
  custom: boolean;
  /**
   * Inputs as sent over the wire to the engine. Secrets stay where they are
   * nested, as `{ [specialSigKey]: specialSecretSig, value }` (the SDK's own
   * deserializer would push them up to the top-level property).
   */
  inputs: Record<string, unknown>;
}

export interface Evaluation<T> {
  registrations: Registration[];
  /** What the program returned, with every Output resolved. */
  outputs: unknown;
  result: T;
  elapsedMs: number;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): unknown };
}
type RegisterCallback = (error: unknown, response?: { getUrn(): string }) => void;
interface MonitorWithRegister {
  registerResource(request: RegisterRequest, callback: RegisterCallback): void;
}

export function isSecretValue(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

export interface RecordOptions {
  /** Evaluate as a preview: outputs a mock leaves out are unknown, as in `pulumi preview`. @default false */
  preview?: boolean;
  /** Sees each registration (inputs as sent) before the mock answers it. */
  beforeRegister?: (registration: Registration) => void | Promise<void>;
  /** The fake account that answers what `mocks` leaves out, and whose refusals end the evaluation. @default a new one */
  cloud?: FakeCloud;
}

/** Sets up mocks and a recorder; returns the list that fills as resources register. */
export async function recordRegistrations(
  stack: string,
  mocks: Partial<pulumi.runtime.Mocks> = {},
  options: RecordOptions = {},
): Promise<Registration[]> {
  const registrations: Registration[] = [];
  const cloud = options.cloud ?? fakeCloud();
  await pulumi.runtime.setMocks(
    { newResource: mocks.newResource ?? ((args) => cloud.newResource(args)), call: mocks.call ?? cloud.call },
    PROJECT,
    stack,
    options.preview ?? false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorWithRegister;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    const parentUrn = request.getParent();
    const entry: Registration = {
      urn: "",
      type: request.getType(),
      name: request.getName(),
      custom: request.getCustom(),
      inputs: request.getObject().toJavaScript() as Record<string, unknown>,
      ...(parentUrn ? { parent: parentUrn.split("::").pop() ?? parentUrn } : {}),
    };
    registrations.push(entry);
    const answer = () =>
      register(request, (error, response) => {
        if (response) entry.urn = response.getUrn();
        callback(error, response);
      });
    if (options.beforeRegister) {
      Promise.resolve(options.beforeRegister(entry)).then(answer, (error: unknown) => callback(error));
    } else {
      answer();
    }
  };
  return registrations;
}

/** Resolves every Output inside a value (records and arrays of Outputs). */
export function resolveAll(value: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const output: pulumi.Output<unknown> = pulumi.output(value as pulumi.Input<object>);
    output.apply((resolved) => resolve(resolved));
  });
}

/**
 * Evaluates `program` (e.g. `() => buildStack(config, deps)`) offline. Waits
 * until every registration has been answered before returning.
 */
export async function evaluateOffline<T>(
  stack: string,
  program: () => T,
  mocks: Partial<pulumi.runtime.Mocks> = {},
  options: RecordOptions = {},
): Promise<Evaluation<T>> {
  const started = performance.now();
  const cloud = options.cloud ?? fakeCloud();
  const registrations = await recordRegistrations(stack, mocks, { ...options, cloud });
  const result = program();
  // In a preview an unknown output never resolves: then only the registrations are awaited.
  const outputs = options.preview ? undefined : await resolveAll(result);
  await pulumi.runtime.disconnect();
  // The first thing the fake cloud refused is where a real `pulumi up` would have stopped.
  if (cloud.refusals.length > 0) throw cloud.refusals[0];
  return { registrations, outputs, result, elapsedMs: performance.now() - started };
}

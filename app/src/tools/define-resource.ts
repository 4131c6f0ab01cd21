import { ResourceNotFoundError, type CacheHint } from "@modelcontextprotocol/server";
import type { Completer } from "./completion.ts";
import type { HandlerContext } from "./context.ts";
import type { PlacementState } from "./define.ts";
import { checkDefinition } from "./definition-rules.ts";

/** One resource's content: text, or binary as base64. The MIME type defaults to the definition's. */
export type ResourceBody = { text: string; mimeType?: string } | { blob: string; mimeType?: string };

/** A resource a template lists on `resources/list`. */
export interface ResourceEntry {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

/** Which resource a read is for: its URI and, for a template, the decoded variables it matched. */
export interface ResourceTarget {
  uri: string;
  variables: Record<string, string>;
}

interface ResourceCommon {
  /** snake_case, unique among the resources; also names the signed call that reads it. */
  name: string;
  title?: string;
  /** Written for a model and its user: what the resource holds. */
  description: string;
  /** @default none stated */
  mimeType?: string;
  /**
   * How long a client may reuse what `resources/read` answered, and whether
   * shared caches may (2026-07-28 `CacheableResult`).
   * @default the server's: no reuse, private
   */
  cacheHint?: CacheHint;
}

interface StaticShape {
  /** The resource's URI. */
  uri: string;
}

interface TemplateShape {
  /**
   * An RFC 6570 URI template with `{name}` (percent-encoded) or `{+name}`
   * (reserved characters kept) variables, e.g. `kb://{key}`.
   */
  template: string;
  /** Variables of one resource that exists, used by smoke tests. */
  example: Record<string, string>;
}

type LocalState<P extends "edge" | "fly"> = PlacementState[P];

export type LocalResource<P extends "edge" | "fly"> = ResourceCommon & { placement: P; read: (target: ResourceTarget, ctx: HandlerContext<LocalState<P>>) => Promise<ResourceBody> } & (
    | StaticShape
    | (TemplateShape & {
        /** Every resource of the template, for `resources/list`. @default not listed */
        list?: (ctx: HandlerContext<LocalState<P>>) => Promise<ResourceEntry[]>;
        /** Completers of template variables, by name, run where the resource is read. */
        complete?: Readonly<Record<string, Completer<LocalState<P>>>>;
      })
  );

/** A resource declared here and read by the Python compute app (`app/modal/`). */
export type RemoteResource = ResourceCommon & { placement: "modal" } & (StaticShape | (TemplateShape & { /** The compute app lists its resources. */ listed?: boolean }));

export type ResourceDefinition = LocalResource<"edge"> | LocalResource<"fly"> | RemoteResource;

/** Declares a resource (a fixed URI) or a resource template once; every runtime serves it, forwarding it to its placement. */
export function defineResource(resource: LocalResource<"edge">): ResourceDefinition;
export function defineResource(resource: LocalResource<"fly">): ResourceDefinition;
export function defineResource(resource: RemoteResource): ResourceDefinition;
export function defineResource(resource: ResourceDefinition): ResourceDefinition {
  checkDefinition("resource", resource.name, undefined);
  if ("uri" in resource) {
    if (!URL.canParse(resource.uri)) throw new Error(`resource ${resource.name}: ${JSON.stringify(resource.uri)} is not a URI`);
    return resource;
  }
  const names = templateVariables(resource.template);
  if (names.length === 0) throw new Error(`resource ${resource.name}: the template ${resource.template} has no {variable}`);
  const missing = names.find((name) => resource.example[name] === undefined);
  if (missing !== undefined) throw new Error(`resource ${resource.name}: its example has no value for {${missing}}`);
  const completers = resource.placement === "modal" ? [] : Object.keys(resource.complete ?? {});
  const stray = completers.find((name) => !names.includes(name));
  if (stray !== undefined) throw new Error(`resource ${resource.name}: completer for ${stray}, which is not a variable of ${resource.template}`);
  return resource;
}

const VARIABLE = /\{(\+?)([A-Za-z0-9_]+)\}/g;

/** The variables of a URI template, in order. Only `{name}` and `{+name}` expressions are used here. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(VARIABLE)].map((match) => match[2]!);
}

/** Expands a template: `{name}` percent-encodes its value, `{+name}` keeps reserved characters (RFC 6570 levels 1-2). */
export function expandTemplate(template: string, variables: Record<string, string>): string {
  return template.replace(VARIABLE, (_, reserved: string, name: string) => (reserved ? encodeURI : encodeURIComponent)(variables[name] ?? ""));
}

/** A read of a URI that names no resource: MCP's resource-not-found error (-32602 with the URI, 2026-07-28; SEP-2164). */
export function resourceNotFound(uri: string): never {
  throw new ResourceNotFoundError(uri);
}

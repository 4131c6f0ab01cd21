/**
 * The prompts, resource templates and fixed resources of two surfaces,
 * compared by what a pinned client does with them: a client gets a prompt by
 * name with arguments, builds resource URIs from a template, and reads fixed
 * resources by URI. Each finding names its subject ("prompt kb_runbook",
 * "resource template kb_document") where a tool's finding names the tool.
 */
import { canonicalJson } from "../release/manifest.ts";
import type { Surface, SurfacePrompt, SurfaceResource, SurfaceResourceTemplate } from "../release/surface.ts";
import type { Finding } from "./finding.ts";
import { childPath } from "./json-schema.ts";
import { show } from "./walk.ts";

const changed = (a: unknown, b: unknown) => canonicalJson(a) !== canonicalJson(b);

/** What a changed description, title or MIME type means: display text, or text that steers a model. */
function textFindings(subject: string, before: Record<string, unknown>, after: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  if (changed(before.description, after.description)) {
    findings.push({ verdict: "review", tool: subject, path: "$.description", reason: "description changed: descriptions steer models and users' choices; watch how it is used after this change" });
  }
  if (changed(before.title, after.title)) {
    findings.push({ verdict: "compatible", tool: subject, path: "$.title", reason: `title ${show(before.title ?? null)} → ${show(after.title ?? null)}: display only` });
  }
  if (changed(before.mimeType, after.mimeType)) {
    findings.push({ verdict: "review", tool: subject, path: "$.mimeType", reason: `MIME type ${show(before.mimeType ?? null)} → ${show(after.mimeType ?? null)}: a client that parses the content may not understand the new type` });
  }
  return findings;
}

function diffPromptArguments(subject: string, before: SurfacePrompt, after: SurfacePrompt): Finding[] {
  const findings: Finding[] = [];
  const now = new Map((after.arguments ?? []).map((argument) => [argument.name, argument]));
  const was = new Map((before.arguments ?? []).map((argument) => [argument.name, argument]));
  for (const [name, old] of was) {
    const path = childPath("$.arguments", name);
    const current = now.get(name);
    if (!current) {
      findings.push({ verdict: "breaking", tool: subject, path, reason: "argument removed (or renamed): what a pinned client passes in it no longer shapes the prompt" });
    } else if (current.required && !old.required) {
      findings.push({ verdict: "breaking", tool: subject, path, reason: "argument now required: a pinned client that leaves it out is refused" });
    } else if (!current.required && old.required) {
      findings.push({ verdict: "compatible", tool: subject, path, reason: "argument now optional: every call that was valid still is" });
    }
    if (current && changed(old.description, current.description)) {
      findings.push({ verdict: "review", tool: subject, path: `${path}.description`, reason: "argument description changed: it tells users and models what to pass" });
    }
  }
  for (const [name, added] of now) {
    if (was.has(name)) continue;
    const path = childPath("$.arguments", name);
    findings.push(
      added.required
        ? { verdict: "breaking", tool: subject, path, reason: "required argument added: a pinned client does not send it and is refused" }
        : { verdict: "compatible", tool: subject, path, reason: "optional argument added: pinned clients leave it out, which is allowed" },
    );
  }
  return findings;
}

function diffTemplate(subject: string, before: SurfaceResourceTemplate, after: SurfaceResourceTemplate): Finding[] {
  const findings = textFindings(subject, before, after);
  if (before.uriTemplate !== after.uriTemplate) {
    findings.push({ verdict: "breaking", tool: subject, path: "$.uriTemplate", reason: `URI template ${before.uriTemplate} → ${after.uriTemplate}: URIs a pinned client builds may match nothing now` });
  }
  return findings;
}

/** Matches entries by `key`, reporting removed ones as breaking, added ones as compatible, and the rest through `compare`. */
function byKey<T extends Record<string, unknown>>(
  kind: string,
  before: readonly T[],
  after: readonly T[],
  key: (entry: T) => string,
  removed: string,
  compare: (subject: string, before: T, after: T) => Finding[],
): Finding[] {
  const now = new Map(after.map((entry) => [key(entry), entry]));
  const was = new Set(before.map(key));
  const findings: Finding[] = [];
  for (const old of before) {
    const subject = `${kind} ${key(old)}`;
    const current = now.get(key(old));
    findings.push(...(current ? compare(subject, old, current) : [{ verdict: "breaking" as const, tool: subject, path: "$", reason: `${kind} removed (or renamed): ${removed}` }]));
  }
  for (const added of after.filter((entry) => !was.has(key(entry)))) {
    findings.push({ verdict: "compatible", tool: `${kind} ${key(added)}`, path: "$", reason: `${kind} added: pinned clients do not know it, so nothing they do changes` });
  }
  return findings;
}

/** Every difference in prompts, resource templates and fixed resources from `before` to `after`. */
export function diffPromptsAndResources(before: Surface, after: Surface): Finding[] {
  return [
    ...byKey("prompt", before.prompts ?? [], after.prompts ?? [], (p) => p.name, "a pinned client's prompts/get fails", (subject, old, now) => [
      ...textFindings(subject, old, now),
      ...diffPromptArguments(subject, old, now),
    ]),
    ...byKey("resource template", before.resourceTemplates ?? [], after.resourceTemplates ?? [], (t) => t.name, "reads of the URIs a pinned client builds from it fail", diffTemplate),
    ...byKey("resource", before.resources ?? [], after.resources ?? [], (r: SurfaceResource) => r.uri, "a pinned client's resources/read of it fails", (subject, old, now) => textFindings(subject, old, now)),
  ];
}

/**
 * Prompts, resource templates and fixed resources across releases: each case
 * publishes both sides through a real server built from definePrompt and
 * defineResource (stacks/release/read-surface.ts), then asserts the class the
 * checker gives the difference a pinned client would meet.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { definePrompt, type PromptDefinition } from "../../app/src/tools/define-prompt.ts";
import { defineResource, type ResourceDefinition } from "../../app/src/tools/define-resource.ts";
import { registrySurface } from "../release/read-surface.ts";
import type { Verdict } from "./finding.ts";
import { diffSurfaces } from "./surface-diff.ts";

const text = async () => ({ messages: [{ role: "user" as const, content: { type: "text" as const, text: "draft" } }] });

function prompt(args: z.ZodObject, description = "Drafts a runbook."): PromptDefinition {
  const example = Object.fromEntries(Object.keys(args.shape).map((name) => [name, "1"]));
  return definePrompt({ name: "runbook", description, placement: "edge", args, example, handler: text });
}

function template(uriTemplate = "kb://{key}", mimeType = "text/markdown"): ResourceDefinition {
  return defineResource({
    name: "kb_document",
    description: "A document.",
    placement: "edge",
    template: uriTemplate,
    example: { key: "a" },
    mimeType,
    read: async () => ({ text: "doc" }),
  });
}

function fixed(uri = "config://limits"): ResourceDefinition {
  return defineResource({ name: "limits", description: "The server's limits.", placement: "edge", uri, read: async () => ({ text: "{}" }) });
}

const topic = z.string().describe("What the runbook is for.");
const count = z.string().describe("How many documents.");

type Side = { prompts?: PromptDefinition[]; resources?: ResourceDefinition[] };
const cases: [string, Side, Side, Verdict, string][] = [
  ["a prompt removed", { prompts: [prompt(z.object({ topic }))] }, {}, "breaking", "prompt runbook $"],
  ["a prompt added", {}, { prompts: [prompt(z.object({ topic }))] }, "compatible", "prompt runbook $"],
  ["a required argument added", { prompts: [prompt(z.object({ topic }))] }, { prompts: [prompt(z.object({ topic, count }))] }, "breaking", "prompt runbook $.arguments.count"],
  ["an optional argument added", { prompts: [prompt(z.object({ topic }))] }, { prompts: [prompt(z.object({ topic, count: count.optional() }))] }, "compatible", "prompt runbook $.arguments.count"],
  ["an argument removed", { prompts: [prompt(z.object({ topic, count: count.optional() }))] }, { prompts: [prompt(z.object({ topic }))] }, "breaking", "prompt runbook $.arguments.count"],
  ["an optional argument made required", { prompts: [prompt(z.object({ topic, count: count.optional() }))] }, { prompts: [prompt(z.object({ topic, count }))] }, "breaking", "prompt runbook $.arguments.count"],
  ["a required argument made optional", { prompts: [prompt(z.object({ topic, count }))] }, { prompts: [prompt(z.object({ topic, count: count.optional() }))] }, "compatible", "prompt runbook $.arguments.count"],
  ["a prompt's description changed", { prompts: [prompt(z.object({ topic }))] }, { prompts: [prompt(z.object({ topic }), "Writes a checklist.")] }, "review", "prompt runbook $.description"],
  ["a resource template removed", { resources: [template()] }, {}, "breaking", "resource template kb_document $"],
  ["a resource template added", {}, { resources: [template()] }, "compatible", "resource template kb_document $"],
  ["a resource template's URI changed", { resources: [template()] }, { resources: [template("kb://docs/{key}")] }, "breaking", "resource template kb_document $.uriTemplate"],
  ["a resource template's MIME type changed", { resources: [template()] }, { resources: [template("kb://{key}", "text/plain")] }, "review", "resource template kb_document $.mimeType"],
  ["a fixed resource removed", { resources: [fixed()] }, {}, "breaking", "resource config://limits $"],
  ["a fixed resource moved to another URI", { resources: [fixed()] }, { resources: [fixed("config://limits/v2")] }, "breaking", "resource config://limits $"],
];

for (const [what, before, after, verdict, where] of cases) {
  test(`${what} is ${verdict}`, async () => {
    const surfaceOf = (side: Side) => registrySurface({ tools: [], prompts: side.prompts ?? [], resources: side.resources ?? [] });
    const findings = diffSurfaces({ release: "r-000000000001", surface: await surfaceOf(before) }, { release: "r-000000000002", surface: await surfaceOf(after) });
    const found = findings.find((finding) => `${finding.tool} ${finding.path}` === where);
    assert.ok(found, `expected a finding at ${where}, got ${JSON.stringify(findings)}`);
    assert.equal(found.verdict, verdict, found.reason);
    assert.ok(found.reason.length > 20, "the finding says why");
  });
}

test("a surface recorded before prompts and resources existed compares as having none", async () => {
  const now = await registrySurface({ tools: [], prompts: [prompt(z.object({ topic }))], resources: [template()] });
  const { prompts: _p, resourceTemplates: _t, resources: _r, ...old } = now;
  const findings = diffSurfaces({ release: "r-000000000001", surface: old }, { release: "r-000000000002", surface: now });
  assert.deepEqual(findings.map((finding) => `${finding.verdict} ${finding.tool}`), ["compatible prompt runbook", "compatible resource template kb_document"]);
});

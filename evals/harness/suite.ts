/**
 * The eval suite: YAML files under evals/cases/, each a group of cases. A case
 * is a user prompt (after an optional short conversation) and what a model
 * given the server's tools must do with it: call one tool, with arguments that
 * hold given values or match a JSON Schema, or call none; and which tools it
 * must never call. A file that breaks the format is refused with its name and
 * the path of each bad value, before any model is asked.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { UsageError } from "../../stacks/cli.ts";
import { formatIssues } from "../../stacks/config-error.ts";

export const CASES_DIR = join(import.meta.dirname, "..", "cases");

const ID = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const TOOL_NAME = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, "a tool name as tools/list shows it, e.g. kb_search");

const turn = z.union([
  z.object({ user: z.string().min(1) }).strict(),
  z.object({ assistant: z.string().min(1) }).strict(),
]);

const callsTool = z
  .object({
    tool: TOOL_NAME,
    /** Each given key must hold exactly this value (deep equality); other keys are free. */
    arguments: z.record(z.string(), z.unknown()).optional(),
    /** A JSON Schema (draft 2020-12) the whole arguments object must match. */
    argumentsSchema: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const callsNone = z.object({ noTool: z.literal(true) }).strict();

const evalCase = z
  .object({
    id: z.string().regex(ID, "lower-case words joined by - or _, e.g. kb-search-restore"),
    /** What the case probes, for the reader of a failure. */
    why: z.string().min(1).optional(),
    before: z.array(turn).max(10).optional(),
    prompt: z.string().min(1),
    expect: z.union([callsTool, callsNone], { error: "expected { tool: <name>, arguments?, argumentsSchema? } or { noTool: true }" }),
    forbid: z.array(TOOL_NAME).optional(),
    weight: z.number().positive("must be a positive number (e.g. 1, or 2 for a case that matters more)").max(100).default(1),
  })
  .strict();

const caseFile = z.object({ cases: z.array(evalCase).min(1) }).strict();

export type Turn = { role: "user" | "assistant"; text: string };

export interface EvalCase {
  id: string;
  /** The file it came from, relative to the suite's folder. */
  file: string;
  why?: string;
  /** The conversation before the prompt, oldest first. */
  before: Turn[];
  prompt: string;
  expect: { tool: string; arguments?: Record<string, unknown>; argumentsSchema?: Record<string, unknown> } | { noTool: true };
  forbid: string[];
  weight: number;
}

/** What a case expects, as a table shows it: the tool's name, or `(no tool)`. */
export const NO_TOOL = "(no tool)";
export const expectedOf = (c: EvalCase): string => ("tool" in c.expect ? c.expect.tool : NO_TOOL);

/** A suite that cannot be run: exit 2, as for a missing model with --require-model. */
const suiteError = (message: string) => new UsageError(message, 2);

/** Parses one case file's text; `file` names it in errors. */
export function parseCaseFile(file: string, text: string): EvalCase[] {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw suiteError(`${file}: not YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = caseFile.safeParse(data);
  if (!parsed.success) throw suiteError([`${file} is not an eval case file:`, ...formatIssues(parsed.error.issues).map((line) => `  ${line}`)].join("\n"));
  return parsed.data.cases.map((c) => ({
    id: c.id,
    file,
    ...(c.why ? { why: c.why } : {}),
    before: (c.before ?? []).map((t) => ("user" in t ? { role: "user" as const, text: t.user } : { role: "assistant" as const, text: t.assistant })),
    prompt: c.prompt,
    expect: c.expect,
    forbid: c.forbid ?? [],
    weight: c.weight,
  }));
}

/** Every case under `dir` (its `.yaml`/`.yml` files, sorted), with ids unique across the suite. */
export function loadSuite(dir: string = CASES_DIR): EvalCase[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((name) => /\.ya?ml$/.test(name)).sort();
  } catch {
    throw suiteError(`--cases: ${dir} is not a folder of eval case files (expected e.g. evals/cases)`);
  }
  if (names.length === 0) throw suiteError(`${dir} holds no eval case files (*.yaml)`);
  const cases = names.flatMap((name) => parseCaseFile(relative(process.cwd(), join(dir, name)) || name, readFileSync(join(dir, name), "utf8")));
  const seen = new Map<string, string>();
  for (const c of cases) {
    const first = seen.get(c.id);
    if (first) throw suiteError(`${c.file}: case id ${c.id} is already used in ${first}: ids name a case across the whole suite`);
    seen.set(c.id, c.file);
  }
  return cases;
}

/** Cases naming a tool the endpoint does not list: a suite out of step with the server, said before any model call. */
export function unknownTools(cases: readonly EvalCase[], listed: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const c of cases) {
    const named = [...("tool" in c.expect ? [c.expect.tool] : []), ...c.forbid];
    for (const tool of named.filter((name) => !listed.has(name))) problems.push(`${c.file}: case ${c.id} names tool ${tool}, which the server does not list`);
  }
  return problems;
}

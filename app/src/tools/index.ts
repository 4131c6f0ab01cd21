import type { PromptDefinition } from "./define-prompt.ts";
import type { ResourceDefinition } from "./define-resource.ts";
import type { ToolDefinition } from "./define.ts";
import { csvProfile } from "./csv.ts";
import { csvCluster } from "./csv-cluster.ts";
import { echo } from "./echo.ts";
import { kbPut, kbSearch } from "./kb.ts";
import { kbDocument } from "./kb-document.ts";
import { kbRunbook } from "./kb-runbook.ts";
import { noteAdd, noteList } from "./notes.ts";

/** The one tool registry: every runtime serves exactly these. */
export const tools: readonly ToolDefinition[] = [echo, noteAdd, noteList, kbPut, kbSearch, csvProfile, csvCluster];

/** The prompts every runtime serves. */
export const prompts: readonly PromptDefinition[] = [kbRunbook];

/** The resources and resource templates every runtime serves. */
export const resources: readonly ResourceDefinition[] = [kbDocument];

/** Everything one server serves: its tools, prompts and resources, each defined once. */
export interface Catalog {
  tools: readonly ToolDefinition[];
  prompts: readonly PromptDefinition[];
  resources: readonly ResourceDefinition[];
}

/** The shipped catalog. `MCP_FIXTURES=conformance` adds the conformance suite's fixtures to it (app/src/fixtures/). */
export const catalog: Catalog = { tools, prompts, resources };

/** A catalog with another's definitions added after its own. */
export function mergeCatalogs(base: Catalog, extra: Catalog): Catalog {
  return { tools: [...base.tools, ...extra.tools], prompts: [...base.prompts, ...extra.prompts], resources: [...base.resources, ...extra.resources] };
}

export type { Placement, ToolDefinition } from "./define.ts";
export type { PromptDefinition } from "./define-prompt.ts";
export type { ResourceDefinition } from "./define-resource.ts";

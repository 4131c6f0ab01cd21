import type { ToolDefinition } from "./define.ts";
import { csvProfile } from "./csv.ts";
import { echo } from "./echo.ts";
import { kbPut, kbSearch } from "./kb.ts";
import { noteAdd, noteList } from "./notes.ts";

/** The one tool registry: every runtime serves exactly these. */
export const tools: readonly ToolDefinition[] = [echo, noteAdd, noteList, kbPut, kbSearch, csvProfile];

export type { Placement, ToolDefinition } from "./define.ts";

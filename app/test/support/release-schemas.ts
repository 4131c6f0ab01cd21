/**
 * The migration lists of releases played side by side over one database: the
 * app's own (the older release), and a newer release's that adds one more
 * migration, which expands or contracts.
 */
import { NODE_MIGRATIONS } from "../../src/state/schema.ts";

export const RELEASE_SCHEMAS = {
  /** The release built from this tree. */
  current: NODE_MIGRATIONS,
  /** A newer release: a column with a default, and a plain index on it. */
  expands: [...NODE_MIGRATIONS, ["ALTER TABLE kb_entries ADD COLUMN source TEXT NOT NULL DEFAULT ''", "CREATE INDEX kb_entries_source ON kb_entries(source)"]],
  /** A newer release that drops a column the current release writes. */
  contracts: [...NODE_MIGRATIONS, ["ALTER TABLE kb_entries DROP COLUMN tags"]],
} satisfies Record<string, readonly (readonly string[])[]>;

export type ReleaseSchema = keyof typeof RELEASE_SCHEMAS;

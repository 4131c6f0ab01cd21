import { z } from "zod";
import { defineTool } from "./define.ts";
import { kbUri } from "./kb-document.ts";

export const kbPut = defineTool({
  name: "kb_put",
  placement: "fly",
  writes: true,
  // Everyone signed in may read the team's knowledge base; changing it is a grant of its own.
  scopes: ["kb:write"],
  description:
    "Stores a document in the team's persistent knowledge base, shared by every session and kept across restarts. " +
    "Writing an existing key replaces that document. Use kb_search to find documents later.",
  input: z.object({
    key: z.string().min(1).max(200).regex(/^[\w.:/-]+$/, "letters, digits and . _ : / - only").describe("A stable identifier, e.g. 'runbooks/restore'."),
    title: z.string().min(1).max(300),
    body: z.string().min(1).max(200_000).describe("The document text (plain text or Markdown)."),
    tags: z.array(z.string().min(1).max(50)).max(20).default([]),
  }),
  example: { key: "runbooks/restore", title: "Restore drill", body: "Run npm run drill:restore against the backup bucket.", tags: ["ops"] },
  changes: ({ key }) => [kbUri(key)],
  handler: async (entry, ctx) => ctx.state.knowledgeBase.put(entry),
});

export const kbSearch = defineTool({
  name: "kb_search",
  placement: "fly",
  description:
    "Full-text search over the team knowledge base, ranked by relevance (BM25). Matches word prefixes in titles, " +
    "bodies and tags. Returns keys, titles, short snippets and a score from 0 to 1 (1 for the best hit, relative to it); " +
    "results are best first.",
  input: z.object({
    query: z.string().min(1).max(500).describe("Words to look for; all are optional, more matches rank higher."),
    limit: z.number().int().min(1).max(50).default(10),
  }),
  example: { query: "restore drill", limit: 5 },
  handler: async ({ query, limit }, ctx) => ({ hits: await ctx.state.knowledgeBase.search(query, limit) }),
});

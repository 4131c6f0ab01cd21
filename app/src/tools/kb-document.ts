import { defineResource, expandTemplate, resourceNotFound } from "./define-resource.ts";

/** The most documents `resources/list` names; the rest are found with kb_search or completion. */
export const LISTED_DOCUMENTS = 500;

const KB_TEMPLATE = "kb://{key}";

/** `kb://<key>`, the key percent-encoded (RFC 6570 simple expansion: `runbooks/restore` is `kb://runbooks%2Frestore`). */
export function kbUri(key: string): string {
  return expandTemplate(KB_TEMPLATE, { key });
}

/** Every knowledge-base document as an MCP resource, read in the Fly service where the knowledge base lives. */
export const kbDocument = defineResource({
  name: "kb_document",
  title: "Knowledge-base document",
  placement: "fly",
  template: KB_TEMPLATE,
  example: { key: "runbooks/restore" },
  mimeType: "text/markdown",
  description:
    "A document of the team's knowledge base, as Markdown: its title as a heading, then its body and tags. " +
    "The key is percent-encoded in the URI (kb://runbooks%2Frestore); completion suggests keys.",
  // Any write may change a document: a client may reuse an answer for a few seconds, never share it.
  cacheHint: { ttlMs: 5_000, cacheScope: "private" },
  read: async ({ uri, variables }, ctx) => {
    const entry = await ctx.state.knowledgeBase.get(variables.key!);
    if (entry === undefined) resourceNotFound(uri);
    const tags = entry.tags.length > 0 ? `\n\nTags: ${entry.tags.join(", ")}` : "";
    return { text: `# ${entry.title}\n\n${entry.body}${tags}\n` };
  },
  list: async (ctx) => {
    const entries = await ctx.state.knowledgeBase.list("", LISTED_DOCUMENTS);
    return entries.map((entry) => ({ uri: kbUri(entry.key), name: entry.key, title: entry.title, mimeType: "text/markdown" }));
  },
  complete: {
    key: async (value, ctx) => (await ctx.state.knowledgeBase.list(value, 100)).map((entry) => entry.key),
  },
});

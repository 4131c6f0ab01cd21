import type { PromptMessage } from "@modelcontextprotocol/server";
import { z } from "zod";
import { definePrompt } from "./define-prompt.ts";
import { kbUri } from "./kb-document.ts";

/** The longest part of one document quoted into the prompt: five documents stay well inside a model's context. */
const QUOTED_CHARS = 8_000;

/**
 * Drafts a runbook from what the knowledge base knows: the best kb_search
 * hits for the topic, each embedded as a `kb://` resource, and instructions
 * to cite them. Rendered in the Fly service, which holds the knowledge base.
 */
export const kbRunbook = definePrompt({
  name: "kb_runbook",
  title: "Draft a runbook from the knowledge base",
  placement: "fly",
  description:
    "Drafts an operational runbook for a task (prerequisites, numbered steps with commands, checks, rollback) " +
    "from the knowledge-base documents that best match it, each cited by its kb:// URI. Completion suggests document titles.",
  args: z.object({
    topic: z.string().min(1).max(500).describe("What the runbook is for, e.g. 'restore the database from a backup'."),
    documents: z.string().regex(/^([1-9]|10)$/, "a number from 1 to 10").optional().describe("How many documents to draw on, 1-10 (default 5)."),
  }),
  example: { topic: "restore drill" },
  handler: async ({ topic, documents }, ctx) => {
    const hits = await ctx.state.knowledgeBase.search(topic, Number(documents ?? 5));
    const quoted: PromptMessage[] = [];
    for (const [index, hit] of hits.entries()) {
      await ctx.progress(index, hits.length, `reading ${hit.key}`);
      const entry = await ctx.state.knowledgeBase.get(hit.key);
      if (entry === undefined) continue; // deleted between the search and the read
      const body = entry.body.length > QUOTED_CHARS ? `${entry.body.slice(0, QUOTED_CHARS)}\n\n[… cut at ${QUOTED_CHARS} characters]` : entry.body;
      quoted.push({ role: "user", content: { type: "resource", resource: { uri: kbUri(entry.key), mimeType: "text/markdown", text: `# ${entry.title}\n\n${body}` } } });
    }
    await ctx.progress(hits.length, hits.length, "done");
    const instructions =
      quoted.length === 0
        ? `The team's knowledge base has no document about "${topic}". Draft the outline of a runbook for it ` +
          "(prerequisites, steps, checks, rollback) and list what the team should write down first."
        : `Draft an operational runbook for: ${topic}\n\nUse only the ${quoted.length} knowledge-base document(s) that follow. ` +
          "Give prerequisites, numbered steps with the exact commands, how to verify each step, and how to roll back. " +
          "Cite the kb:// URI a step comes from, and say plainly where the documents do not cover something.";
    return { description: `Runbook draft for ${topic}`, messages: [{ role: "user", content: { type: "text", text: instructions } }, ...quoted] };
  },
  complete: {
    topic: async (value, ctx) => {
      const hits = value.trim() === "" ? await ctx.state.knowledgeBase.list("", 100) : await ctx.state.knowledgeBase.search(value, 100);
      return [...new Set(hits.map((hit) => hit.title))];
    },
  },
});

import { z } from "zod";
import { MAX_NOTES_PER_KEY } from "../state/notes.ts";
import { defineTool } from "./define.ts";

export const noteAdd = defineTool({
  name: "note_add",
  placement: "edge",
  writes: true,
  description:
    "Appends a short note to this conversation's scratchpad. Notes persist for the lifetime of the MCP session " +
    "(or, for clients without sessions, for the signed-in principal) and survive server restarts. " +
    "Use it to remember intermediate findings; read them back with note_list.",
  input: z.object({
    text: z.string().min(1).max(4000).describe("The note, up to 4,000 characters."),
  }),
  example: { text: "remember: the staging bucket is eu-west-1" },
  handler: async ({ text }, ctx) => {
    const note = await ctx.state.notes.add(ctx.stateKey, text);
    return { id: note.id, createdAt: note.createdAt };
  },
});

export const noteList = defineTool({
  name: "note_list",
  placement: "edge",
  description:
    "Lists the notes in this conversation's scratchpad, oldest first. Returns at most `limit` of the most recent notes.",
  input: z.object({
    limit: z.number().int().min(1).max(MAX_NOTES_PER_KEY).default(50).describe("How many of the most recent notes to return."),
  }),
  example: { limit: 10 },
  handler: async ({ limit }, ctx) => {
    const notes = await ctx.state.notes.list(ctx.stateKey, limit);
    return { notes };
  },
});

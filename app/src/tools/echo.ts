import { z } from "zod";
import { defineTool } from "./define.ts";

export const echo = defineTool({
  name: "echo",
  placement: "edge",
  description:
    "Returns the given text unchanged. Use it to check that the MCP connection works end to end; it has no side effects.",
  input: z.object({
    text: z.string().max(100_000).describe("The text to send back."),
  }),
  example: { text: "hello" },
  handler: async ({ text }) => text,
});

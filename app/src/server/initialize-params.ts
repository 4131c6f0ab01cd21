import { specTypeSchemas } from "@modelcontextprotocol/server";

/**
 * What is wrong with an `initialize` request's params, in words, or nothing.
 * Checked before the SDK sees the request: inside a session the SDK answers
 * bad params with -32603 and a raw zod dump, outside one our router said
 * only that a session id is required.
 */
export function initializeParamsProblem(message: unknown): string | undefined {
  const result = specTypeSchemas.InitializeRequest["~standard"].validate(message);
  if (result instanceof Promise || result.issues === undefined) return undefined;
  const issues = result.issues.slice(0, 5).map((issue) => {
    const path = (issue.path ?? []).map((part) => String(typeof part === "object" ? part.key : part)).join(".");
    return `${path || "(message)"}: ${issue.message}`;
  });
  return `Invalid params: initialize needs params.protocolVersion (a string), params.capabilities (an object) and params.clientInfo ({ name, version }); ${issues.join("; ")}`;
}

/**
 * How deeply a JSON body may nest, on every runtime and at every endpoint that
 * parses one. MCP messages need a handful of levels (envelope, params,
 * arguments); 64 leaves tool arguments plenty. Without one limit, a body of
 * 100,000 `[` is a parse error on Node (a RangeError from a recursive walk)
 * but accepted on workerd.
 */
export const MAX_JSON_DEPTH = 64;

/** What a client is told when its JSON nests deeper than the limit. */
export const TOO_DEEP_MESSAGE = `Parse error: JSON nested deeper than ${MAX_JSON_DEPTH} levels`;

/**
 * Whether `text` opens more than `max` arrays or objects inside one another.
 * One linear pass that skips strings, so it runs before `JSON.parse` and
 * costs nothing like the recursion it prevents.
 */
export function nestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

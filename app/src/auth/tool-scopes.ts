/**
 * The scopes each tool needs. A tool declares them in its definition; the
 * deployment may replace them per tool (`MCP_OAUTH_TOOL_SCOPES`, the stack's
 * `auth.toolScopes`). A call lacking them gets the SDK's scope challenge: 403,
 * `error="insufficient_scope"`, `scope` and `resource_metadata`.
 *
 * `tools/list` still lists every tool. The MCP spec's step-up flow ("Scope
 * Challenge Handling", 2025-11-25 and 2026-07-28) starts from a call that gets
 * 403 insufficient_scope, which a client can only make for a tool it was shown;
 * 2026-07-28 `server/tools` allows a list that varies by the presented
 * authorization (MAY), 2025-11-25 says nothing of it, and `scopes_supported`
 * is meant to be the minimal set, "additional scopes requested incrementally".
 */
import type { ScopeChallengeHandler } from "@modelcontextprotocol/server";
import type { ToolDefinition } from "../tools/define.ts";
import { isOAuthGrant } from "./caller.ts";
import { AuthSettingsError, type OAuthSettings } from "./settings.ts";

export class ToolScopes {
  readonly #base: readonly string[];
  readonly #byTool = new Map<string, readonly string[]>();

  constructor(tools: readonly ToolDefinition[], settings: Pick<OAuthSettings, "scopes" | "toolScopes">) {
    this.#base = settings.scopes;
    const names = tools.map((tool) => tool.name);
    for (const name of Object.keys(settings.toolScopes)) {
      // A misspelt name would leave the tool it meant unprotected: refuse it.
      if (!names.includes(name)) throw new AuthSettingsError(`MCP_OAUTH_TOOL_SCOPES: no tool is named ${name} (expected one of ${names.join(", ")})`);
    }
    for (const tool of tools) this.#byTool.set(tool.name, settings.toolScopes[tool.name] ?? tool.scopes ?? []);
  }

  /** `scopes_supported`: the scopes every request needs, then every tool's, each once. */
  get supported(): string[] {
    return [...new Set([...this.#base, ...[...this.#byTool.values()].flat()])];
  }

  /** The tools whose calls need `scope`, for the consent page's account of what a scope allows. */
  toolsNeeding(scope: string): string[] {
    return [...this.#byTool].filter(([, scopes]) => scopes.includes(scope)).map(([name]) => name);
  }

  /**
   * The challenge of one tool, or `undefined` for a tool without scopes. It
   * names the base scopes too: a client that re-authorizes with the challenged
   * set alone (the v1 SDK client does) must not lose them (2025-11-25, "Server
   * Scope Management", the recommended approach). Callers admitted without an
   * OAuth token (static tokens, local use) have no scopes to check.
   */
  challengeFor(tool: ToolDefinition): ScopeChallengeHandler | undefined {
    const needed = this.#byTool.get(tool.name) ?? [];
    if (needed.length === 0) return undefined;
    const challenged = [...new Set([...this.#base, ...needed])] as [string, ...string[]];
    return ({ authInfo }) => {
      if (!isOAuthGrant(authInfo)) return undefined;
      const held = new Set(authInfo!.scopes);
      if (needed.every((scope) => held.has(scope))) return undefined;
      return { scopes: challenged, errorDescription: `${tool.name} needs the scope ${needed.join(" ")}` };
    };
  }
}

/**
 * The built-in authorization server at the edge (@cloudflare/workers-oauth-provider,
 * its contract in app/src/auth/builtin/contract.ts): one KV namespace per stack
 * for its clients, grants and tokens, shared by every API version and both
 * colors, so a cutover keeps everyone signed in; the bindings each Worker
 * version needs to issue tokens and validate them itself; and the paths of the
 * authorization server on the edge's origin, routed to one Worker.
 *
 * The library's "both roles in one Worker" layout (its docs/resource-servers.md,
 * "Same Worker"): every version's Worker validates tokens against the shared KV
 * with `validateToken(resource, token, env)`; no Worker of its own, no service binding.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { AUTH_SERVER_PATHS, BUILTIN_BINDINGS, OAUTH_KV_BINDING, type UpstreamProvider } from "../../app/src/auth/builtin/contract.ts";
import { type Binding, kvNamespace, plain, secretText } from "./worker-bindings.ts";
import { applyTransform, type Transform } from "./transform.ts";

export interface BuiltinAuthArgs {
  /** Selects the edge's own authorization server; its issuer is `https://<hostname>`. */
  mode: "builtin";
  /**
   * The provider users sign in with, bound as plain JSON `MCP_AUTH_UPSTREAM`.
   * @example { provider: "oidc", clientId: "mcp-prod", issuer: "https://login.acme.com" }
   */
  upstream: { provider: UpstreamProvider; clientId: string; issuer?: string };
  /** The upstream client secret, bound as secret `MCP_AUTH_UPSTREAM_SECRET`. @example cfg.auth.upstream.clientSecret */
  upstreamClientSecret: pulumi.Input<string>;
  /** Id of the stack's one KV namespace (OAuthStore), bound as `OAUTH_KV`. @example oauthStore.namespaceId */
  kvNamespaceId: pulumi.Input<string>;
  /**
   * Route the authorization server's paths (`/authorize`, `/oauth/`, its metadata, …) on the hostname to this
   * Worker. Exactly one EdgeWorker per hostname serves them: the first API version's.
   * @default false
   * @example true
   */
  serveAuthorizationServer?: boolean;
  /** Scopes every request needs. @default [] @example ["mcp"] */
  scopes?: string[];
  /** Per tool, the scopes its calls need. @default {} @example { kb_put: ["kb:write"] } */
  toolScopes?: Record<string, string[]>;
}

/** The bindings of the built-in mode beside the `MCP_OAUTH_*` ones: mode, upstream, its secret, the KV namespace. */
export function builtinAuthBindings(auth: BuiltinAuthArgs): Binding[] {
  const { provider, clientId, issuer } = auth.upstream;
  return [
    plain(BUILTIN_BINDINGS.mode, "builtin"),
    plain(BUILTIN_BINDINGS.upstream, JSON.stringify({ provider, clientId, ...(issuer === undefined ? {} : { issuer }) })),
    secretText(BUILTIN_BINDINGS.upstreamSecret, auth.upstreamClientSecret),
    kvNamespace(OAUTH_KV_BINDING, auth.kvNamespaceId),
  ];
}

/** Route patterns of the authorization server on `hostname`, by a name fit for a resource: `authorize` → `mcp.example.com/authorize*`. */
export function authServerRoutes(hostname: string): { name: string; pattern: string }[] {
  return AUTH_SERVER_PATHS.map((path) => ({
    name: path.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""),
    pattern: `${hostname}${path}*`,
  }));
}

export interface OAuthStoreArgs {
  /** Cloudflare account id. @example "9b2e7d4c1a8f4e3b8c6d2a5f7e9b0c31" */
  accountId: pulumi.Input<string>;
  /** The namespace's title, unique in the account. @example "mcp-prod-oauth" */
  title: string;
  /** Adjust what the component creates. @default {} @example { namespace: { jurisdiction: "eu" } } */
  transform?: { namespace?: Transform<cloudflare.WorkersKvNamespaceArgs> };
}

/** The KV namespace the built-in authorization server keeps clients, grants and tokens in: one per stack. */
export class OAuthStore extends pulumi.ComponentResource {
  /** The namespace id, which Workers bind and `npm run auth` reads through the Cloudflare API. */
  readonly namespaceId: pulumi.Output<string>;

  constructor(name: string, args: OAuthStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mcp-hosting:edge:OAuthStore", name, {}, opts);
    const namespace = new cloudflare.WorkersKvNamespace(
      ...applyTransform(args.transform?.namespace, `${name}-kv`, { accountId: args.accountId, title: args.title }, { parent: this }),
    );
    // The provider's id is the namespace id (cloudflare/terraform-provider-cloudflare, internal/services/workers_kv_namespace/model.go).
    this.namespaceId = namespace.id;
    this.registerOutputs({ namespaceId: this.namespaceId });
  }
}

/**
 * The fake Cloudflare account's edge: serves the zone's host names the way
 * Cloudflare routes them, running each Worker version's uploaded code for real
 * under workerd (Miniflare), one instance per version, started on its first
 * request and stopped when no deployment sends it traffic any more.
 *
 * - A request matches the most specific Workers route of its host and path
 *   (`mcp.example.com/v1/*`); otherwise the host's Custom Domain.
 * - The script's newest deployment decides the version, by its percentages,
 *   unless `Cloudflare-Workers-Version-Overrides` names one of the versions in
 *   that deployment (a version outside it is ignored and the percentages
 *   apply: developers.cloudflare.com/workers/versions-and-deployments/gradual-deployments/,
 *   "Version overrides").
 * - Each version runs with the bindings and compatibility settings it was
 *   uploaded with; its outbound fetches go through the rehearsal's internet.
 *
 * Durable Objects: Cloudflare keeps one storage per object across a script's
 * versions and runs each object on one version, assigned by the deployment's
 * percentages; a Worker version of either color reaches it. Here each version
 * runs in its own workerd with its own storage, so a 2025-11-25 session's
 * requests are all routed to the version whose object holds the session (the
 * one its initialize reached). What that leaves out: a session does not
 * survive its version leaving the deployment (Cloudflare's would), and a
 * principal's 2026-07-28 notes are kept per version. No Analytics Engine
 * points are written (the guard then rests on its scripted calls, and says so).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import type { FakeCloudflareApi, StoredVersion } from "../../fixtures/fake-cloudflare-api.ts";
import type { Site } from "../internet/proxy.ts";

export interface EdgeServed {
  host: string;
  path: string;
  script: string;
  version: string;
  /** Why that version: the override header, the session's object, or the split. */
  by: "override" | "session" | "split";
}

export interface CloudflareEdge {
  site: Site;
  /** Every request the edge routed, for a story's assertions. */
  served: EdgeServed[];
  /** Stops every running version. */
  stop(): Promise<void>;
}

/** A route pattern (`host/path*`) as a test of a URL's host and path. */
function routeMatches(pattern: string, host: string, path: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  return regex.test(`${host}${path}`);
}

/** The `Cloudflare-Workers-Version-Overrides` dictionary: `script="version"`, comma-separated. */
function overrides(header: string | null): Map<string, string> {
  const found = new Map<string, string>();
  for (const member of (header ?? "").split(",")) {
    const match = /^\s*([A-Za-z0-9_-]+)\s*=\s*"([^"]+)"\s*$/.exec(member);
    if (match) found.set(match[1]!, match[2]!);
  }
  return found;
}

export function cloudflareEdge(api: FakeCloudflareApi, options: { dir: string; outbound: (request: Request) => Promise<Response> }): CloudflareEdge {
  const running = new Map<string, Promise<{ miniflare: Miniflare; url: URL }>>();
  const served: EdgeServed[] = [];
  /** The version whose Durable Object holds each 2025-11-25 session. */
  const sessions = new Map<string, string>();

  /** A version's workerd; `upstream` makes it see the public host in the URL and Host header, as a zone's requests have them. */
  const start = (version: StoredVersion, host: string) => {
    const dir = join(options.dir, version.id);
    mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(version.modules)) writeFileSync(join(dir, name), bytes);
    const text = Object.fromEntries(version.bindings.filter((b) => b.type === "plain_text" || b.type === "secret_text").map((b) => [b.name, b.text ?? ""]));
    const durableObjects = Object.fromEntries(version.bindings.filter((b) => b.type === "durable_object_namespace").map((b) => [b.name, { className: b.class_name!, useSQLite: true }]));
    const miniflare = new Miniflare(
      convertV4MiniflareOptions({
        host: "127.0.0.1",
        port: 0,
        cf: { colo: "LOCAL", country: "XX" },
        name: version.script,
        modules: true,
        scriptPath: join(dir, version.mainModule),
        modulesRoot: dir,
        compatibilityDate: version.compatibilityDate,
        compatibilityFlags: version.compatibilityFlags,
        durableObjects,
        bindings: text,
        upstream: `https://${host}`,
        outboundService: (request: Request) => options.outbound(request),
      }),
    );
    return miniflare.ready.then(
      (url) => ({ miniflare, url }),
      async (error: unknown) => {
        await miniflare.dispose();
        throw error;
      },
    );
  };

  const instanceOf = (version: StoredVersion, host: string) => {
    let instance = running.get(version.id);
    if (!instance) {
      instance = start(version, host);
      running.set(version.id, instance);
    }
    return instance;
  };

  /** Versions no deployment sends traffic to any more: their workerd is stopped. */
  const retire = async () => {
    const live = new Set([...api.workers.values()].flatMap((worker) => api.account.activeDeployment(worker.name)?.versions.map((v) => v.versionId) ?? []));
    for (const [id, instance] of running) {
      if (live.has(id)) continue;
      running.delete(id);
      await (await instance.catch(() => undefined))?.miniflare.dispose();
    }
  };

  const site: Site = async (request) => {
    const url = new URL(request.url);
    const route = [...api.routes.values()].filter((r) => routeMatches(r.pattern, url.hostname, url.pathname)).sort((a, b) => b.pattern.length - a.pattern.length)[0];
    const script = route?.script ?? [...api.domains.values()].find((domain) => domain.hostname === url.hostname)?.service;
    if (!script) return new Response(`no Worker serves ${url.hostname}${url.pathname} (no route, no custom domain)`, { status: 522 });
    const deployment = api.account.activeDeployment(script);
    if (!deployment) return new Response(`Worker ${script} has no deployment`, { status: 503 });
    const wanted = overrides(request.headers.get("cloudflare-workers-version-overrides")).get(script);
    const pinned = deployment.versions.find((share) => share.versionId === wanted);
    const session = request.headers.get("mcp-session-id");
    const holder = session ? sessions.get(session) : undefined;
    let versionId = pinned?.versionId ?? (holder && running.has(holder) ? holder : undefined);
    if (!versionId) {
      let roll = Math.random() * 100;
      versionId = deployment.versions.find((share) => (roll -= share.percentage) < 0)?.versionId ?? deployment.versions.at(-1)!.versionId;
    }
    const version = api.versions.get(versionId);
    if (!version) return new Response(`version ${versionId} of ${script} has no code here`, { status: 500 });
    served.push({ host: url.hostname, path: url.pathname, script, version: versionId, by: pinned ? "override" : versionId === holder ? "session" : "split" });
    await retire();
    const { miniflare } = await instanceOf(version, url.host);
    const body = ["GET", "HEAD"].includes(request.method) ? undefined : Buffer.from(await request.arrayBuffer());
    const headers = Object.fromEntries(request.headers);
    delete headers["cloudflare-workers-version-overrides"];
    const answer = await miniflare.dispatchFetch(request.url, { method: request.method, headers, ...(body ? { body } : {}), redirect: "manual" });
    const opened = answer.headers.get("mcp-session-id");
    if (opened) sessions.set(opened, versionId);
    return new Response(answer.body as ReadableStream | null, { status: answer.status, headers: answer.headers as unknown as HeadersInit });
  };

  return {
    site,
    served,
    async stop() {
      for (const instance of running.values()) await (await instance.catch(() => undefined))?.miniflare.dispose();
      running.clear();
    },
  };
}

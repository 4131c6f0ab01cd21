/**
 * Which release and color answered: the Worker reports both at
 * `<api path>/healthz` (and `/healthz`). A version override that Cloudflare did
 * not apply (the version is not in the current deployment) routes the request
 * by the deployment's percentages instead, so a check by release is what makes
 * a test of one color trustworthy.
 */
import { UsageError } from "../cli.ts";

export interface ServedRelease {
  release: string;
  color: string;
}

export function healthUrl(mcpUrl: URL): URL {
  return new URL(mcpUrl.pathname.replace(/\/mcp\/?$/, "/healthz"), mcpUrl);
}

export async function expectRelease(mcpUrl: URL, expected: string, headers: Record<string, string>): Promise<ServedRelease> {
  const url = healthUrl(mcpUrl);
  let body: Partial<ServedRelease>;
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
    body = (await response.json()) as Partial<ServedRelease>;
  } catch (error) {
    throw new UsageError(`--expect-release: ${url.href} did not answer with JSON (${(error as Error).message})`);
  }
  if (body.release !== expected) {
    throw new UsageError(
      `--expect-release: ${url.href} is served by release ${body.release ?? "(unknown)"} (${body.color ?? "no color"}), not ${expected}; ` +
        "a version override applies only to a version in the current deployment",
    );
  }
  return { release: body.release, color: body.color ?? "" };
}

/**
 * A call signed for a release this machine does not serve: 409 with the
 * releases it does, so the caller (an edge color whose release was unpinned
 * here, or a machine not yet rolled) learns why instead of getting another
 * release's answer. The release host answers it for the machine; a release's
 * own server answers it too, should a call ever reach the wrong process.
 */
export function notServed(release: string, served: readonly string[]): Response {
  const error = `release ${release} is not served here (serving ${served.join(", ")}): pin it in a slot and run pulumi up, or call through an edge color that serves one of these`;
  return new Response(JSON.stringify({ error, served }), { status: 409, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}

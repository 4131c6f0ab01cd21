/**
 * The line the release host prints once a machine is ready (its direct
 * release is up), and the pattern that finds it. Whatever starts start.sh or
 * the host waits for this one: each release's own "mcp-hosting listening on"
 * line is relayed before it, and names that release's private port.
 */
export function readyLine(url: string, detail: string): string {
  return `release-host listening on ${url} (${detail})`;
}

/** Finds the ready line and captures the machine's origin. */
export const RELEASE_HOST_READY = /release-host listening on (http:\/\/[^/\s]+)\//;

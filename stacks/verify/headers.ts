/**
 * The request headers of a verification: bearer token, a version override to
 * reach one color of a Worker, and any others given.
 */
import { UsageError } from "../cli.ts";

/** The `Cloudflare-Workers-Version-Overrides` value (an RFC 8941 dictionary) for `script=versionId`. */
export function versionOverrideHeader(spec: string): string {
  const match = /^([A-Za-z0-9_-]+)=([0-9a-f-]{36})$/.exec(spec);
  if (!match) throw new UsageError(`--version-override: ${JSON.stringify(spec)} is not <worker script>=<version id> (expected e.g. mcp-prod-v1=dc8dcd28-271b-4367-9840-6c244f84cb40)`);
  return `${match[1]}="${match[2]}"`;
}

export function headersFrom(values: { header?: string[]; token?: string; "version-override"?: string }): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of values.header ?? []) {
    const at = line.indexOf(":");
    if (at <= 0) throw new UsageError(`--header: ${JSON.stringify(line)} is not 'Name: value'`);
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const token = values.token ?? process.env.MCP_AUTH_TOKEN;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (values["version-override"]) headers["Cloudflare-Workers-Version-Overrides"] = versionOverrideHeader(values["version-override"]);
  return headers;
}


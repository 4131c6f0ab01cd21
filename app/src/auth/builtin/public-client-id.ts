/**
 * Client ID Metadata Documents are fetched from the URL a client names, so a
 * client could name a host inside our network (SSRF). On Cloudflare the
 * `global_fetch_strictly_public` flag keeps the Worker's fetches on the public
 * internet; workerd under `wrangler dev` has no such network, so the names and
 * address literals that are never public are refused here, on every runtime,
 * before the library fetches anything. A public name that resolves to a
 * private address is left to the flag: a Worker cannot resolve names itself.
 */

/** Why `clientId` may not be fetched, or `undefined` when it is not a URL (a registered client) or names a public host. */
export function nonPublicClientId(clientId: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(clientId)) return undefined;
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (isPrivateName(host) || isPrivateIPv4(host) || isPrivateIPv6(host)) {
    return `The client ID ${clientId} is not on the public internet (${host}); a Client ID Metadata Document must be served from a public https URL`;
  }
  return undefined;
}

function isPrivateName(host: string): boolean {
  if (host.startsWith("[") || /^[\d.]+$/.test(host)) return false;
  // RFC 6761 / 6762 special-use names, and single labels, which only a local resolver answers.
  return !host.includes(".") || /(^|\.)(localhost|local|internal|intranet|home\.arpa|lan)$/.test(host);
}

function isPrivateIPv4(host: string): boolean {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return false;
  const [a, b] = parts.map(Number) as [number, number, number, number];
  return (
    a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224
  );
}

function isPrivateIPv6(host: string): boolean {
  if (!host.startsWith("[")) return false;
  const address = host.slice(1, -1);
  if (address === "::" || address === "::1") return true;
  const mapped = /^::ffff:([\d.]+)$/.exec(address)?.[1];
  if (mapped) return isPrivateIPv4(mapped);
  // WHATWG URL writes IPv4-mapped addresses in hex (`::ffff:7f00:1`); any mapped address is refused rather than decoded.
  if (address.startsWith("::ffff:")) return true;
  const first = Number.parseInt(address.split(":")[0] || "0", 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

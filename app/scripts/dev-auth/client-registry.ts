/**
 * The clients the development authorization server knows, both ways the MCP
 * spec names (`basic/authorization`, "Client Registration"): a Client ID
 * Metadata Document, whose `https://` URL is the client_id and which is
 * fetched and checked at the authorization request (draft-ietf-oauth-client-id-metadata-document-00),
 * and dynamic registration (RFC 7591), the fallback.
 */
import { randomUUID } from "node:crypto";
import { get } from "node:https";
import { rootCertificates } from "node:tls";

/** What the authorization endpoint needs to know about a client. */
export interface RegisteredClient {
  clientId: string;
  clientName?: string;
  redirectUris: readonly string[];
}

/** A client the authorization request names that cannot be used; shown to the user, never sent to the redirect URI. */
export class ClientRefused extends Error {
  override name = "ClientRefused";
}

export interface ClientRegistryOptions {
  /** Accept `https://` client_ids and fetch their metadata documents. @default true */
  clientIdMetadataDocuments?: boolean;
  /** A PEM certificate trusted besides the usual roots when fetching metadata documents (tests serve theirs self-signed). */
  trust?: string;
}

/** The draft's advice: a metadata document is small; a large one is refused (section 6). */
const MAX_DOCUMENT_BYTES = 5 * 1024;

export class ClientRegistry {
  readonly #options: ClientRegistryOptions;
  readonly #registered = new Map<string, RegisteredClient>();

  constructor(options: ClientRegistryOptions = {}) {
    this.#options = options;
  }

  get acceptsMetadataDocuments(): boolean {
    return this.#options.clientIdMetadataDocuments ?? true;
  }

  /** RFC 7591 §3.2.1: the client's metadata as registered; public clients only (`token_endpoint_auth_method: none`). */
  register(metadata: unknown): { status: number; body: Record<string, unknown> } {
    const fields = (metadata ?? {}) as { redirect_uris?: unknown; client_name?: unknown; scope?: unknown };
    const redirectUris = fields.redirect_uris;
    if (!Array.isArray(redirectUris) || redirectUris.length === 0 || !redirectUris.every(isRedirectUri)) {
      return { status: 400, body: { error: "invalid_redirect_uri", error_description: "redirect_uris must list https:// or loopback http:// URLs" } };
    }
    const client: RegisteredClient = {
      clientId: randomUUID(),
      redirectUris,
      ...(typeof fields.client_name === "string" ? { clientName: fields.client_name } : {}),
    };
    this.#registered.set(client.clientId, client);
    return {
      status: 201,
      body: {
        client_id: client.clientId,
        client_id_issued_at: Math.floor(Date.now() / 1000),
        redirect_uris: redirectUris,
        ...(client.clientName ? { client_name: client.clientName } : {}),
        ...(typeof fields.scope === "string" ? { scope: fields.scope } : {}),
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      },
    };
  }

  /** The client an authorization request names, if `redirectUri` is one of its own. */
  async client(clientId: string, redirectUri: string): Promise<RegisteredClient> {
    const client = clientId.startsWith("https://") && this.acceptsMetadataDocuments ? await this.#fetchDocument(clientId) : this.#registered.get(clientId);
    if (client === undefined) throw new ClientRefused(`unknown client_id ${clientId}: register first (POST /register) or use a Client ID Metadata Document URL`);
    // The draft and RFC 9700 §4.1.3: the exact redirect URI the client declared, nothing else.
    if (!client.redirectUris.includes(redirectUri)) throw new ClientRefused(`redirect_uri ${redirectUri} is not one of ${clientId}'s redirect_uris`);
    return client;
  }

  async #fetchDocument(url: string): Promise<RegisteredClient> {
    const text = await fetchSmallText(url, this.#options.trust);
    let document: { client_id?: unknown; client_name?: unknown; redirect_uris?: unknown };
    try {
      document = JSON.parse(text) as typeof document;
    } catch {
      throw new ClientRefused(`the client metadata document at ${url} is not JSON`);
    }
    // Section 4.1: the document's client_id must be the URL it was fetched from, exactly.
    if (document.client_id !== url) throw new ClientRefused(`the client metadata document at ${url} names client_id ${JSON.stringify(document.client_id)}`);
    if (!Array.isArray(document.redirect_uris) || !document.redirect_uris.every(isRedirectUri)) {
      throw new ClientRefused(`the client metadata document at ${url} has no valid redirect_uris`);
    }
    return { clientId: url, redirectUris: document.redirect_uris, ...(typeof document.client_name === "string" ? { clientName: document.client_name } : {}) };
  }
}

function isRedirectUri(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    if (url.hash) return false;
    return url.protocol === "https:" || (url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
  } catch {
    return false;
  }
}

/** GETs a small document over HTTPS, with `trust` added to the root certificates. */
function fetchSmallText(url: string, trust: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const refuse = (why: string) => reject(new ClientRefused(`the client metadata document at ${url} ${why}`));
    const request = get(url, { timeout: 5000, ...(trust ? { ca: [...rootCertificates, trust] } : {}), headers: { accept: "application/json" } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        refuse(`answered ${response.statusCode}`);
        return;
      }
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
        if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) {
          request.destroy();
          refuse(`is over ${MAX_DOCUMENT_BYTES} bytes`);
        }
      });
      response.on("end", () => resolve(text));
    });
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", (error) => refuse(`could not be fetched: ${error.message}`));
  });
}

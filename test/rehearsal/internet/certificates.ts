/**
 * The rehearsal's own certificate authority, made with the machine's openssl:
 * one CA, and a certificate per host name the fake internet answers for, so
 * clients speak real TLS to `api.cloudflare.com` or `mcp.example.com` and
 * trust it only because NODE_EXTRA_CA_CERTS names this CA.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface HostCertificate {
  key: Buffer;
  cert: Buffer;
}

export class CertificateAuthority {
  readonly dir: string;
  /** The CA certificate file, for NODE_EXTRA_CA_CERTS. */
  readonly certPath: string;
  readonly #keyPath: string;
  readonly #issued = new Map<string, HostCertificate>();

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    this.certPath = join(dir, "ca.crt");
    this.#keyPath = join(dir, "ca.key");
    if (!existsSync(this.certPath)) {
      openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", this.#keyPath, "-out", this.certPath, "-days", "2", "-subj", "/CN=mcp-hosting rehearsal CA"]);
    }
  }

  /** A certificate for `host`, signed by the CA (made once per host). */
  certificateFor(host: string): HostCertificate {
    const known = this.#issued.get(host);
    if (known) return known;
    const safe = host.replace(/[^a-z0-9.-]/gi, "_");
    const key = join(this.dir, `${safe}.key`);
    const csr = join(this.dir, `${safe}.csr`);
    const cert = join(this.dir, `${safe}.crt`);
    const ext = join(this.dir, `${safe}.ext`);
    writeFileSync(ext, `subjectAltName=DNS:${host}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr, "-subj", `/CN=${host}`]);
    openssl(["x509", "-req", "-in", csr, "-CA", this.certPath, "-CAkey", this.#keyPath, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext]);
    const issued = { key: readFileSync(key), cert: readFileSync(cert) };
    this.#issued.set(host, issued);
    return issued;
  }
}

function openssl(args: string[]): void {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (error) {
    throw new Error(`openssl ${args[0]} failed (the rehearsal needs the openssl command): ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
}

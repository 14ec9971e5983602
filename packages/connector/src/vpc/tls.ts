import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import tls from "node:tls";
import type { CertVerification, Target } from "@burrow/wire";
import { ConnectorError } from "../connector-error";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * How the connector speaks TLS to VPC origins. It trusts Node's default CAs (Mozilla's bundle plus
 * `NODE_EXTRA_CA_CERTS`), and with `--vpc-ca-file` also the CAs in that PEM file, and checks each
 * origin as its service's `cert_verification_mode` asks.
 */
export class VpcTls {
  /** The trusted CAs as one context, built once: a `ca` option would re-parse them per connection. */
  readonly #secureContext: tls.SecureContext | undefined;
  /**
   * One keep-alive agent per mode. Node's agent key and TLS session cache ignore
   * `checkServerIdentity`, and a resumed session skips it, so a socket or session opened for a
   * `ca` service must never be reused for a `full` one at the same address, port and name.
   */
  readonly #agents: Record<CertVerification, https.Agent> = {
    full: new https.Agent({ keepAlive: true }),
    ca: new https.Agent({ keepAlive: true }),
    none: new https.Agent({ keepAlive: true }),
  };

  /** `extraCaPems`: PEM certificates trusted on top of Node's default CAs (`--vpc-ca-file`). */
  constructor(extraCaPems: readonly string[] = []) {
    if (extraCaPems.length > 0) {
      // A `ca` option replaces Node's default store rather than adding to it, and
      // tls.rootCertificates is only Mozilla's bundle, so NODE_EXTRA_CA_CERTS is added back here.
      const fromEnv = extraCaCertsFromEnv();
      this.#secureContext = tls.createSecureContext({
        ca: [...tls.rootCertificates, ...fromEnv, ...extraCaPems],
      });
    }
  }

  /** Reads `--vpc-ca-file`: one or more PEM certificates; a clear error when it holds none. */
  static fromCaFile(path: string | undefined): VpcTls {
    if (!path) return new VpcTls();
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new ConnectorError(
        `cannot read --vpc-ca-file "${path}"`,
        (error as Error).message,
        "pass a PEM file with the CA certificate(s) your private origins are signed by",
      );
    }
    const pems = certificatesIn(text);
    for (const pem of pems) {
      try {
        new X509Certificate(pem);
      } catch (error) {
        throw new ConnectorError(
          `bad --vpc-ca-file "${path}"`,
          `a certificate in it does not parse: ${(error as Error).message}`,
          "pass PEM certificates (-----BEGIN CERTIFICATE-----), not keys or DER",
        );
      }
    }
    if (pems.length === 0) {
      throw new ConnectorError(
        `bad --vpc-ca-file "${path}"`,
        "it holds no PEM certificate",
        "pass PEM certificates (-----BEGIN CERTIFICATE-----), not keys or DER",
      );
    }
    return new VpcTls(pems);
  }

  /**
   * Request options for a TLS target: SNI is the caller URL's hostname (never an IP, which SNI
   * does not carry); `full` checks the chain and that name, `ca` the chain only, `none` nothing.
   */
  requestOptions(
    target: Target,
  ): https.RequestOptions & Pick<tls.ConnectionOptions, "secureContext"> {
    // URL hostnames keep IPv6 literals in brackets; certificates and SNI do not.
    const name = target.serverName.replace(/^\[(.*)\]$/, "$1");
    const mode = target.certVerification;
    return {
      agent: this.#agents[mode],
      ...(this.#secureContext ? { secureContext: this.#secureContext } : {}),
      ...(name && !net.isIP(name) ? { servername: name } : {}),
      rejectUnauthorized: mode !== "none",
      checkServerIdentity:
        mode === "full"
          ? (host, certificate) => tls.checkServerIdentity(name || host, certificate)
          : () => undefined,
    };
  }

  /** Closes idle keep-alive sockets (on shutdown). */
  destroy(): void {
    for (const agent of Object.values(this.#agents)) agent.destroy();
  }
}

/** NODE_EXTRA_CA_CERTS; Node has already warned at startup if the file cannot be read. */
function extraCaCertsFromEnv(): string[] {
  const path = process.env.NODE_EXTRA_CA_CERTS;
  if (!path) return [];
  try {
    return certificatesIn(readFileSync(path, "utf8"));
  } catch {
    return [];
  }
}

function certificatesIn(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

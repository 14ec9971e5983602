/**
 * Certificates for TLS tests, made at test time with the `openssl` CLI (Debian ships it) in a
 * temporary directory, so no private key is ever committed. P-256 keys keep generation fast.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";

/** A certificate and its key, as PEM text; `certPath` is the certificate's file. */
export interface KeyPair {
  cert: string;
  key: string;
  certPath: string;
}

/** A certificate authority that can sign leaf certificates. */
export interface TestCa extends KeyPair {
  issue(name: string): KeyPair;
}

/** A scratch directory of generated keys and certificates; {@link TestPki.remove} deletes it. */
export interface TestPki {
  dir: string;
  /** A new self-signed CA. */
  ca(commonName: string): TestCa;
  /** A self-signed leaf for `name`, signed by no CA. */
  selfSigned(name: string): KeyPair;
  remove(): void;
}

const KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
const DAYS = "2";

/** Creates a {@link TestPki} in a fresh temporary directory. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), "burrow-pki-"));
  let serial = 0;
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => {
    try {
      execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error("the openssl CLI is not installed (Debian: apt-get install openssl)");
      }
      throw error;
    }
  };
  const read = (base: string): KeyPair => ({
    cert: readFileSync(file(`${base}.pem`), "utf8"),
    key: readFileSync(file(`${base}.key`), "utf8"),
    certPath: file(`${base}.pem`),
  });
  const base = (name: string) => `${name.replace(/[^a-z0-9]+/gi, "-")}-${++serial}`;

  return {
    dir,
    ca(commonName) {
      const caBase = base(commonName);
      openssl([
        "req",
        "-x509",
        ...KEY_ARGS,
        "-keyout",
        file(`${caBase}.key`),
        "-out",
        file(`${caBase}.pem`),
        "-days",
        DAYS,
        "-subj",
        `/CN=${commonName}`,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ]);
      return {
        ...read(caBase),
        issue(name) {
          const leaf = base(name);
          const extensions = file(`${leaf}.ext`);
          writeFileSync(
            extensions,
            [
              `subjectAltName=DNS:${name}`,
              "basicConstraints=critical,CA:FALSE",
              "keyUsage=critical,digitalSignature",
              "extendedKeyUsage=serverAuth",
            ].join("\n"),
          );
          openssl([
            "req",
            ...KEY_ARGS,
            "-keyout",
            file(`${leaf}.key`),
            "-out",
            file(`${leaf}.csr`),
            "-subj",
            `/CN=${name}`,
          ]);
          openssl([
            "x509",
            "-req",
            "-in",
            file(`${leaf}.csr`),
            "-CA",
            file(`${caBase}.pem`),
            "-CAkey",
            file(`${caBase}.key`),
            "-set_serial",
            String(Date.now() * 1000 + serial),
            "-days",
            DAYS,
            "-extfile",
            extensions,
            "-out",
            file(`${leaf}.pem`),
          ]);
          return read(leaf);
        },
      };
    },
    selfSigned(name) {
      const leaf = base(`self-${name}`);
      openssl([
        "req",
        "-x509",
        ...KEY_ARGS,
        "-keyout",
        file(`${leaf}.key`),
        "-out",
        file(`${leaf}.pem`),
        "-days",
        DAYS,
        "-subj",
        `/CN=${name}`,
        "-addext",
        `subjectAltName=DNS:${name}`,
      ]);
      return read(leaf);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What an {@link HttpsOrigin} saw of one request. */
export interface TlsHit {
  /** The SNI the client sent, or null for none. */
  servername: string | null;
  host: string;
  path: string;
}

/** An https server on 127.0.0.1 presenting one certificate. */
export interface HttpsOrigin {
  port: number;
  hits: TlsHit[];
  close(): Promise<void>;
}

/** Answers every request with JSON of what it saw, including the SNI of the TLS connection. */
export async function startHttpsOrigin(pair: KeyPair, label: string): Promise<HttpsOrigin> {
  const hits: TlsHit[] = [];
  const server = https.createServer({ cert: pair.cert, key: pair.key }, (request, response) => {
    // On the server side, `servername` is the SNI the client sent (false when it sent none).
    const servername = (request.socket as TLSSocket).servername || null;
    const hit = { servername, host: request.headers.host ?? "", path: request.url ?? "/" };
    hits.push(hit);
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ origin: label, ...hit }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { ConnectorError } from "../connector-error";

/**
 * cert.pem, the "origin certificate" `cloudflared tunnel login` writes and every management
 * command reads: one PEM block of type `ARGO TUNNEL TOKEN` whose body is JSON with the zone,
 * the account and the API token. `burrow login` writes the same file, plus `endpoint`, the
 * Burrow API the token belongs to.
 */
export interface OriginCert {
  zoneID: string;
  accountID: string;
  apiToken: string;
  /** The API base URL, e.g. `http://127.0.0.1:8787/client/v4` (Burrow's; optional in cloudflared's). */
  endpoint?: string;
}

/** The PEM block type cloudflared reads (credentials/origin_cert.go). */
export const ORIGIN_CERT_BLOCK = "ARGO TUNNEL TOKEN";
/** The file name cloudflared looks for in each of its directories. */
export const ORIGIN_CERT_FILE = "cert.pem";
/** Go's encoding/pem wraps base64 at 64 columns; cloudflared's own files look like this. */
const PEM_LINE_CHARS = 64;

/**
 * cloudflared's config directories, in its search order (`DefaultConfigSearchDirectories`):
 * `~/.cloudflared`, `~/.cloudflare-warp`, `~/cloudflare-warp`, then the system-wide ones.
 */
export function originCertSearchDirs(home = homedir()): string[] {
  return [
    path.join(home, ".cloudflared"),
    path.join(home, ".cloudflare-warp"),
    path.join(home, "cloudflare-warp"),
    "/etc/cloudflared",
    "/usr/local/etc/cloudflared",
  ];
}

/** Where `burrow login` writes cert.pem without `--origincert`: `~/.cloudflared/cert.pem`. */
export function defaultOriginCertPath(home = homedir()): string {
  return path.join(originCertSearchDirs(home)[0]!, ORIGIN_CERT_FILE);
}

/** Expands a leading `~` as cloudflared does (go-homedir), so quoted paths work too. */
export function expandHome(file: string, home = homedir()): string {
  if (file === "~") return home;
  if (file.startsWith("~/")) return path.join(home, file.slice(2));
  return file;
}

/** The outcome of decoding cert.pem's text. */
export type DecodedOriginCert = { ok: true; cert: OriginCert } | { ok: false; reason: string };

/**
 * Decodes cert.pem as cloudflared does: exactly one `ARGO TUNNEL TOKEN` block; the `PRIVATE KEY`
 * and `CERTIFICATE` blocks of old certificates are ignored; any other block is refused.
 */
export function decodeOriginCert(text: string): DecodedOriginCert {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  const tokens: string[] = [];
  for (const [, type, body] of blocks) {
    if (type === ORIGIN_CERT_BLOCK) tokens.push(body!);
    else if (type !== "PRIVATE KEY" && type !== "CERTIFICATE" && type !== "EC PRIVATE KEY") {
      return { ok: false, reason: `unknown block ${type} in the certificate` };
    }
  }
  if (tokens.length === 0) return { ok: false, reason: "missing token in the certificate" };
  if (tokens.length > 1) return { ok: false, reason: "found multiple tokens in the certificate" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(tokens[0]!.replace(/\s+/g, ""), "base64").toString("utf8"));
  } catch {
    return { ok: false, reason: "the token block is not base64 of JSON" };
  }
  const fields = (parsed ?? {}) as Record<string, unknown>;
  for (const key of ["zoneID", "accountID", "apiToken"] as const) {
    if (typeof fields[key] !== "string" || fields[key] === "") {
      return { ok: false, reason: `the token has no ${key}` };
    }
  }
  const cert: OriginCert = {
    zoneID: fields.zoneID as string,
    accountID: fields.accountID as string,
    apiToken: fields.apiToken as string,
  };
  if (typeof fields.endpoint === "string" && fields.endpoint !== "") {
    cert.endpoint = fields.endpoint;
  }
  return { ok: true, cert };
}

/** cert.pem's text: one `ARGO TUNNEL TOKEN` block, wrapped as Go's encoding/pem wraps it. */
export function encodeOriginCert(cert: OriginCert): string {
  const body: OriginCert = {
    zoneID: cert.zoneID,
    accountID: cert.accountID,
    apiToken: cert.apiToken,
    ...(cert.endpoint ? { endpoint: cert.endpoint } : {}),
  };
  const base64 = Buffer.from(JSON.stringify(body), "utf8").toString("base64");
  const lines = base64.match(new RegExp(`.{1,${PEM_LINE_CHARS}}`, "g")) ?? [];
  return `-----BEGIN ${ORIGIN_CERT_BLOCK}-----\n${lines.join("\n")}\n-----END ${ORIGIN_CERT_BLOCK}-----\n`;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * cert.pem's path: `explicit` (`--origincert` / `TUNNEL_ORIGIN_CERT`) if given, which must exist,
 * else the first `cert.pem` in cloudflared's directories.
 */
export async function findOriginCert(
  explicit: string | undefined,
  home = homedir(),
): Promise<string> {
  if (explicit) {
    const file = expandHome(explicit, home);
    if (await isFile(file)) return file;
    throw new ConnectorError(
      `no origin certificate at ${file}`,
      "--origincert (or TUNNEL_ORIGIN_CERT) names a file that does not exist",
      `run \`burrow login --edge <url> --origincert ${file}\`, or point --origincert at your cert.pem`,
    );
  }
  const dirs = originCertSearchDirs(home);
  for (const dir of dirs) {
    const file = path.join(dir, ORIGIN_CERT_FILE);
    if (await isFile(file)) return file;
  }
  throw new ConnectorError(
    "cannot find an origin certificate (cert.pem)",
    `there is no ${ORIGIN_CERT_FILE} in ${dirs.join(", ")}`,
    "run `burrow login --edge <url> --token <API token>`, or pass --origincert <path> (TUNNEL_ORIGIN_CERT)",
  );
}

/** Reads and decodes cert.pem at `file`. */
export async function readOriginCert(file: string): Promise<OriginCert> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConnectorError(
      `cannot read the origin certificate ${file}`,
      (error as Error).message,
      "check the file's permissions",
    );
  }
  const decoded = decodeOriginCert(text);
  if (!decoded.ok) {
    throw new ConnectorError(
      `${file} is not a usable origin certificate`,
      decoded.reason,
      "delete it and run `burrow login --edge <url> --token <API token>` to write a new one",
    );
  }
  return decoded.cert;
}

/**
 * Writes cert.pem (owner-only, as cloudflared's 0600), creating its directory (0700). Like
 * `cloudflared tunnel login`, it never overwrites a certificate that is already there.
 */
export async function writeOriginCert(file: string, cert: OriginCert): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // `wx` fails if the file exists, so two logins at once cannot both think they wrote it.
    await writeFile(file, encodeOriginCert(cert), { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw existingCertError(file);
    throw new ConnectorError(
      `cannot write the origin certificate ${file}`,
      (error as Error).message,
      "check the directory's permissions, or pass --origincert <path>",
    );
  }
}

/** cloudflared's refusal to overwrite cert.pem, in its words. */
export function existingCertError(file: string): ConnectorError {
  return new ConnectorError(
    `You have an existing certificate at ${file} which login would overwrite.`,
    "login never replaces a certificate, which may hold another edge's token",
    "If this is intentional, please move or delete that file then run this command again.",
  );
}

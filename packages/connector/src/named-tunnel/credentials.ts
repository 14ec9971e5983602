import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConnectorError } from "../connector-error";
import { isTunnelId } from "./tunnels";

/**
 * A named tunnel's credentials: what `burrow tunnel create` writes to `<uuid>.json` and what a
 * tunnel token carries. `endpoint` is the edge the tunnel lives on (where `/connect` is), so
 * `burrow tunnel run` can dial it from the file or token alone.
 */
export interface TunnelCredentials {
  accountTag: string;
  /** Standard base64 of the tunnel secret (32 bytes when Burrow or cloudflared made it). */
  tunnelSecret: string;
  tunnelId: string;
  /** The edge's base URL, e.g. `http://127.0.0.1:8787`; absent in cloudflared's own files. */
  endpoint?: string;
}

/** The credentials file's JSON, with cloudflared's exact keys (connection.Credentials). */
export interface CredentialsFileJson {
  AccountTag: string;
  TunnelSecret: string;
  TunnelID: string;
  Endpoint?: string;
}

/** The tunnel token's JSON, with cloudflared's keys (connection.TunnelToken). */
interface TunnelTokenJson {
  a: string;
  t: string;
  s: string;
  e?: string;
}

/** cloudflared's tunnel secrets are at least 32 bytes; the API refuses shorter ones too. */
export const MIN_SECRET_BYTES = 32;

/** `<dir>/<uuid>.json`: where `create` writes credentials, next to cert.pem. */
export function tunnelCredentialsPath(dir: string, tunnelId: string): string {
  return path.join(dir, `${tunnelId}.json`);
}

/** The file's JSON in cloudflared's key order. */
export function credentialsFileJson(credentials: TunnelCredentials): CredentialsFileJson {
  return {
    AccountTag: credentials.accountTag,
    TunnelSecret: credentials.tunnelSecret,
    TunnelID: credentials.tunnelId,
    ...(credentials.endpoint ? { Endpoint: credentials.endpoint } : {}),
  };
}

/** The outcome of decoding a credentials file or a token. */
export type DecodedCredentials =
  | { ok: true; credentials: TunnelCredentials }
  | { ok: false; reason: string };

function checked(fields: {
  accountTag: unknown;
  tunnelSecret: unknown;
  tunnelId: unknown;
  endpoint: unknown;
}): DecodedCredentials {
  const { accountTag, tunnelSecret, tunnelId, endpoint } = fields;
  if (typeof accountTag !== "string" || accountTag === "") {
    return { ok: false, reason: "no account tag" };
  }
  if (typeof tunnelId !== "string" || !isTunnelId(tunnelId)) {
    return { ok: false, reason: "no tunnel id (a UUID)" };
  }
  if (
    typeof tunnelSecret !== "string" ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(tunnelSecret) ||
    Buffer.from(tunnelSecret, "base64").length < MIN_SECRET_BYTES
  ) {
    return { ok: false, reason: `no tunnel secret (base64 of at least ${MIN_SECRET_BYTES} bytes)` };
  }
  if (endpoint !== undefined && endpoint !== "" && typeof endpoint !== "string") {
    return { ok: false, reason: "the endpoint is not a string" };
  }
  const credentials: TunnelCredentials = {
    accountTag,
    tunnelSecret,
    tunnelId: tunnelId.toLowerCase(),
  };
  if (typeof endpoint === "string" && endpoint !== "") credentials.endpoint = endpoint;
  return { ok: true, credentials };
}

/** Decodes a credentials file's text. */
export function decodeCredentialsFile(text: string): DecodedCredentials {
  let json: Partial<Record<keyof CredentialsFileJson, unknown>>;
  try {
    json = JSON.parse(text) ?? {};
  } catch {
    return { ok: false, reason: "Invalid JSON when parsing tunnel credentials file" };
  }
  return checked({
    accountTag: json.AccountTag,
    tunnelSecret: json.TunnelSecret,
    tunnelId: json.TunnelID,
    endpoint: json.Endpoint,
  });
}

/**
 * Writes a credentials file readable only by its owner (0400), refusing to replace one, as
 * cloudflared's `writeTunnelCredentials` does.
 */
export async function writeTunnelCredentials(
  file: string,
  credentials: TunnelCredentials,
): Promise<void> {
  try {
    await writeFile(file, JSON.stringify(credentialsFileJson(credentials)), {
      mode: 0o400,
      flag: "wx",
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConnectorError(
      code === "EEXIST" ? `${file} already exists` : `cannot write ${file}`,
      code === "EEXIST"
        ? "a credentials file is never overwritten: it may be the only copy of another tunnel's secret"
        : (error as Error).message,
      code === "EEXIST"
        ? "pass another --credentials-file, or move that file away"
        : "check the directory's permissions, or pass --credentials-file <path>",
    );
  }
}

/** Reads a credentials file written by `burrow tunnel create` or `cloudflared tunnel create`. */
export async function readTunnelCredentials(file: string): Promise<TunnelCredentials> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConnectorError(
      `couldn't read tunnel credentials from ${file}`,
      (error as Error).message,
      "pass the file `burrow tunnel create` wrote (--credentials-file), or fetch it with `burrow tunnel token --cred-file <path> <tunnel>`",
    );
  }
  const decoded = decodeCredentialsFile(text);
  if (decoded.ok) return decoded.credentials;
  if (file.endsWith(".pem")) {
    throw new ConnectorError(
      `${file} is not a tunnel credentials file`,
      "The tunnel credentials file should be .json but you gave a .pem (that is cert.pem, written by `burrow login`)",
      "pass the <uuid>.json file `burrow tunnel create` wrote",
    );
  }
  throw new ConnectorError(
    `${file} is not a tunnel credentials file`,
    decoded.reason,
    "pass the <uuid>.json file `burrow tunnel create` wrote, or rebuild it with `burrow tunnel token --cred-file <path> <tunnel>`",
  );
}

/** A tunnel token: standard base64 of JSON `{"a","t","s","e"?}`, cloudflared's `--token` value. */
export function encodeTunnelToken(credentials: TunnelCredentials): string {
  const json: TunnelTokenJson = {
    a: credentials.accountTag,
    t: credentials.tunnelId,
    s: credentials.tunnelSecret,
    ...(credentials.endpoint ? { e: credentials.endpoint } : {}),
  };
  return Buffer.from(JSON.stringify(json), "utf8").toString("base64");
}

/** Decodes a tunnel token (cloudflared's or Burrow's). */
export function decodeTunnelToken(token: string): DecodedCredentials {
  // Tokens are standard base64; a URL-safe copy (some shells and UIs rewrite `+` and `/`)
  // decodes too, since `burrow tunnel run --token` and `service install` took those before.
  const trimmed = token.trim().replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    return { ok: false, reason: "the token is not standard base64" };
  }
  let json: Partial<Record<keyof TunnelTokenJson, unknown>>;
  try {
    json = JSON.parse(Buffer.from(trimmed, "base64").toString("utf8")) ?? {};
  } catch {
    return { ok: false, reason: "the token is not base64 of JSON" };
  }
  return checked({ accountTag: json.a, tunnelSecret: json.s, tunnelId: json.t, endpoint: json.e });
}

/** Decodes a tunnel token or throws the CLI's error (cloudflared: "Provided Tunnel token is not valid."). */
export function parseTunnelToken(token: string): TunnelCredentials {
  const decoded = decodeTunnelToken(token);
  if (decoded.ok) return decoded.credentials;
  throw new ConnectorError(
    "Provided Tunnel token is not valid.",
    decoded.reason,
    "copy the whole output of `burrow tunnel token <tunnel>` (or TUNNEL_TOKEN)",
  );
}

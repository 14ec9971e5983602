import { readFileSync } from "node:fs";
import { ConnectorError } from "../connector-error";

/**
 * What `burrow tunnel run` needs to connect a named tunnel, from cloudflared's credentials file
 * or tunnel token. A minimal reader for `run`; src/named-tunnel/credentials.ts (tunnel create)
 * writes the same files, and the two are to be folded together.
 */
export interface RunCredentials {
  accountTag: string;
  tunnelId: string;
  /** Standard base64 of the secret, as the edge's `/connect` takes it. */
  secret: string;
  /** The edge the tunnel lives on (`Endpoint` / `e`, a field cloudflared ignores), if named. */
  endpoint: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Parses `{"AccountTag","TunnelSecret","TunnelID","Endpoint"?}`, keys exactly as cloudflared's. */
export function parseCredentialsFile(text: string, file: string): RunCredentials {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw badCredentials(file, "it is not JSON");
  }
  const { AccountTag, TunnelSecret, TunnelID, Endpoint } = json;
  if (typeof AccountTag !== "string" || AccountTag === "") {
    throw badCredentials(file, "AccountTag is missing");
  }
  if (typeof TunnelID !== "string" || !UUID.test(TunnelID)) {
    throw badCredentials(file, "TunnelID is missing or not a UUID");
  }
  if (typeof TunnelSecret !== "string" || !isBase64(TunnelSecret)) {
    throw badCredentials(file, "TunnelSecret is missing or not base64");
  }
  return {
    accountTag: AccountTag,
    tunnelId: TunnelID.toLowerCase(),
    secret: TunnelSecret,
    endpoint: typeof Endpoint === "string" && Endpoint !== "" ? Endpoint : null,
  };
}

/** Reads a credentials file from disk. */
export function readCredentialsFile(file: string): RunCredentials {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConnectorError(
      `cannot read the credentials file ${file}`,
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "it does not exist"
        : (error as Error).message,
      "pass --credentials-file <uuid>.json as written by `burrow tunnel create`, or use --token",
    );
  }
  return parseCredentialsFile(text, file);
}

/** Parses a tunnel token: standard base64 of `{"a","t","s","e"?}`. */
export function parseTunnelToken(token: string): RunCredentials {
  const bad = (why: string) =>
    new ConnectorError(
      "the tunnel token is not valid",
      why,
      "copy it again from `burrow tunnel token <name>` (or the dashboard)",
    );
  let json: Record<string, unknown>;
  try {
    // Tokens are standard base64; URL-safe copies (some shells and UIs rewrite them) decode too.
    const text = Buffer.from(token.trim().replace(/-/g, "+").replace(/_/g, "/"), "base64").toString(
      "utf8",
    );
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad("it is not base64 of a JSON object");
  }
  if (typeof json !== "object" || json === null) throw bad("it is not base64 of a JSON object");
  const { a, t, s, e } = json;
  if (typeof a !== "string" || a === "") throw bad("the account tag (a) is missing");
  if (typeof t !== "string" || !UUID.test(t)) throw bad("the tunnel id (t) is missing");
  if (typeof s !== "string" || !isBase64(s)) throw bad("the secret (s) is missing");
  return {
    accountTag: a,
    tunnelId: t.toLowerCase(),
    secret: s,
    endpoint: typeof e === "string" && e !== "" ? e : null,
  };
}

/** cert.pem's `ARGO TUNNEL TOKEN` block: what `run <name>` resolves a name with. */
export interface OriginCert {
  zoneId: string;
  accountId: string;
  apiToken: string;
  endpoint: string | null;
}

/** Parses cert.pem: one PEM block of type `ARGO TUNNEL TOKEN` whose body is JSON. */
export function parseOriginCert(text: string, file: string): OriginCert {
  const match = /-----BEGIN ARGO TUNNEL TOKEN-----([\s\S]*?)-----END ARGO TUNNEL TOKEN-----/.exec(
    text,
  );
  const bad = (why: string) =>
    new ConnectorError(
      `cannot use the origin certificate ${file}`,
      why,
      "run `burrow login` again, or pass the tunnel's id with --credentials-file or --token",
    );
  if (!match) throw bad("it has no ARGO TUNNEL TOKEN block");
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(match[1]!.replace(/\s+/g, ""), "base64").toString("utf8"));
  } catch {
    throw bad("its token is not base64 of JSON");
  }
  const { zoneID, accountID, apiToken, endpoint } = json;
  if (typeof zoneID !== "string" || typeof accountID !== "string" || typeof apiToken !== "string") {
    throw bad("zoneID, accountID and apiToken are required");
  }
  return {
    zoneId: zoneID,
    accountId: accountID,
    apiToken,
    endpoint: typeof endpoint === "string" && endpoint !== "" ? endpoint : null,
  };
}

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) && Buffer.from(text, "base64").byteLength >= 32;
}

function badCredentials(file: string, why: string): ConnectorError {
  return new ConnectorError(
    `the credentials file ${file} is not valid`,
    why,
    "use the <uuid>.json written by `burrow tunnel create` (or cloudflared's), unchanged",
  );
}

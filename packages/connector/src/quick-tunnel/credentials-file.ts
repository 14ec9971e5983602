import { readFile, writeFile } from "node:fs/promises";
import { ConnectorError } from "../connector-error";
import type { QuickTunnelCredentials } from "./client";

/**
 * A quick tunnel's credentials on disk, in cloudflared's credentials-file field names plus the
 * hostname and edge, so a restarted `burrow tunnel --credentials-file` keeps its public hostname
 * (until the reaper deletes a tunnel disconnected for five minutes).
 */
interface CredentialsFile {
  AccountTag: string;
  TunnelSecret: string;
  TunnelID: string;
  TunnelName: string;
  Hostname: string;
  Edge: string;
}

/** Reads credentials saved for `edge`; null when the file does not exist yet. */
export async function readCredentialsFile(
  path: string,
  edge: URL,
): Promise<QuickTunnelCredentials | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new ConnectorError(
      `cannot read ${path}`,
      (error as Error).message,
      "check the file's permissions",
    );
  }
  let saved: Partial<CredentialsFile>;
  try {
    saved = JSON.parse(text) as Partial<CredentialsFile>;
  } catch {
    saved = {};
  }
  if (!saved.TunnelID || !saved.TunnelSecret || !saved.Hostname) {
    throw new ConnectorError(
      `${path} is not a Burrow credentials file`,
      "it lacks TunnelID, TunnelSecret or Hostname",
      "delete it to mint a new quick tunnel",
    );
  }
  if (saved.Edge && saved.Edge !== edge.href) {
    throw new ConnectorError(
      `${path} belongs to another edge`,
      `it was written for ${saved.Edge}, not ${edge.href}`,
      "use another --credentials-file, or delete it to mint a new quick tunnel",
    );
  }
  return {
    id: saved.TunnelID,
    name: saved.TunnelName ?? "",
    hostname: saved.Hostname,
    accountTag: saved.AccountTag ?? "",
    secret: saved.TunnelSecret,
  };
}

/** Saves freshly minted credentials; owner-only, since the secret lets anyone serve the hostname. */
export async function writeCredentialsFile(
  path: string,
  edge: URL,
  credentials: QuickTunnelCredentials,
): Promise<void> {
  const file: CredentialsFile = {
    AccountTag: credentials.accountTag,
    TunnelSecret: credentials.secret,
    TunnelID: credentials.id,
    TunnelName: credentials.name,
    Hostname: credentials.hostname,
    Edge: edge.href,
  };
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
}

import { type QuickTunnelCredentials, requestQuickTunnel } from "./client";
import { readCredentialsFile, writeCredentialsFile } from "./credentials-file";

/**
 * The quick tunnel to serve: the one saved in `credentialsFile` when it exists (so a restarted
 * connector keeps its hostname), otherwise a new one minted at the edge and saved there.
 */
export async function acquireQuickTunnel(
  edge: URL,
  credentialsFile: string | null,
  log: (message: string) => void,
): Promise<QuickTunnelCredentials> {
  const saved = credentialsFile ? await readCredentialsFile(credentialsFile, edge) : null;
  if (saved) {
    log(`reusing tunnel ${saved.id} from ${credentialsFile}`);
    return saved;
  }
  const minted = await requestQuickTunnel(edge);
  if (credentialsFile) {
    await writeCredentialsFile(credentialsFile, edge, minted);
    log(`saved the tunnel's credentials to ${credentialsFile}`);
  }
  return minted;
}

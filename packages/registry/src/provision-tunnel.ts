import { type NewDnsRecord, setZoneRecordId } from "./dns-records";
import { HostnameTakenError } from "./errors";
import { createTunnel, deleteTunnels, type NewTunnel } from "./tunnels";

/**
 * The part of a zone DNS client that provisioning needs (@burrow/cf-api's ZoneDnsClient has it);
 * declared here so the registry does not depend on the HTTP client.
 */
export interface ZoneRecordWriter {
  createCname(name: string, content: string, comment: string): Promise<{ id: string }>;
  deleteRecord(recordId: string): Promise<void>;
}

/** How provisionTunnel picks a hostname, when the tunnel gets one at birth (quick tunnels). */
export interface HostnameChoice {
  pick: () => string;
  /** A picked name that is taken is replaced by a new pick this many times in all. */
  maxAttempts: number;
  /** The CNAME target, `<tunnel id>.<suffix>`. */
  targetSuffix: string;
}

/**
 * Creates a tunnel the one way every kind is created: D1 rows first (tunnel, optional hostname and
 * their audit rows, one transaction), so the reaper and the API always know it; then the real zone
 * record; and when the zone refuses, the tunnel is removed again rather than handed out without its
 * public record. The zone's error is rethrown for the caller to present. Quick-tunnel minting and
 * named-tunnel creation both call this.
 */
export async function provisionTunnel(
  db: D1Database,
  zone: ZoneRecordWriter | null,
  tunnel: NewTunnel,
  hostname?: HostnameChoice,
): Promise<{ hostname: string | null }> {
  if (hostname === undefined) {
    await createTunnel(db, tunnel);
    return { hostname: null };
  }
  const content = `${tunnel.id}.${hostname.targetSuffix}`;
  let chosen = "";
  for (let attempt = 1; !chosen; attempt++) {
    const record: NewDnsRecord = { hostname: hostname.pick(), type: "CNAME", content };
    try {
      await createTunnel(db, tunnel, record);
      chosen = record.hostname;
    } catch (error) {
      if (!(error instanceof HostnameTakenError) || attempt >= hostname.maxAttempts) throw error;
    }
  }
  if (zone) {
    try {
      const record = await zone.createCname(chosen, content, `burrow ${tunnel.name}`);
      await setZoneRecordId(db, chosen, record.id);
    } catch (error) {
      await deleteTunnels(db, [tunnel.id], Date.now());
      throw error;
    }
  }
  return { hostname: chosen };
}

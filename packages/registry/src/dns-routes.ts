import { auditStatement } from "./audit-log";
import {
  addDnsRecord,
  DNS_RECORD_COLUMNS,
  type DnsRecord,
  type DnsRecordRow,
  deleteDnsRecord,
  normalizeHostname,
  setZoneRecordId,
  toDnsRecord,
} from "./dns-records";
import { HostnameTakenError } from "./errors";
import type { ZoneRecordWriter } from "./provision-tunnel";

/** cloudflared's answer to a route: whether the CNAME is new, moved here, or already here. */
export type RouteOutcome = "new" | "updated" | "unchanged";

/** One record, by hostname, or null. */
export async function getDnsRecord(db: D1Database, hostname: string): Promise<DnsRecord | null> {
  const row = await db
    .prepare(`SELECT ${DNS_RECORD_COLUMNS} FROM dns_records WHERE hostname = ?1`)
    .bind(normalizeHostname(hostname))
    .first<DnsRecordRow>();
  return row === null ? null : toDnsRecord(row);
}

/**
 * Routes `hostname` to a tunnel: `CNAME hostname → <tunnel id>.<targetSuffix>` in D1 and, with a
 * zone, in the real zone. A hostname routed to another tunnel throws HostnameTakenError unless
 * `overwrite`, which moves it. A zone failure on a new route removes the D1 row again.
 */
export async function routeHostname(
  db: D1Database,
  zone: ZoneRecordWriter | null,
  route: { tunnelId: string; hostname: string; overwrite: boolean; targetSuffix: string },
  at: number,
): Promise<RouteOutcome> {
  const hostname = normalizeHostname(route.hostname);
  const content = `${route.tunnelId}.${route.targetSuffix}`;
  const existing = await getDnsRecord(db, hostname);
  if (existing?.tunnelId === route.tunnelId) return "unchanged";
  if (existing && !route.overwrite) throw new HostnameTakenError(hostname);
  if (existing) {
    await db.batch([
      db
        .prepare(
          `UPDATE dns_records SET tunnel_id = ?2, content = ?3, zone_record_id = NULL,
           created_at = ?4 WHERE hostname = ?1`,
        )
        .bind(hostname, route.tunnelId, content, at),
      auditStatement(
        db,
        route.tunnelId,
        "CNAME update",
        { hostname, from: existing.tunnelId, content },
        at,
      ),
    ]);
    if (zone) {
      if (existing.zoneRecordId) await zone.deleteRecord(existing.zoneRecordId);
      const record = await zone.createCname(hostname, content, `burrow ${route.tunnelId}`);
      await setZoneRecordId(db, hostname, record.id);
    }
    return "updated";
  }
  await addDnsRecord(db, route.tunnelId, { hostname, type: "CNAME", content }, at);
  if (zone) {
    try {
      const record = await zone.createCname(hostname, content, `burrow ${route.tunnelId}`);
      await setZoneRecordId(db, hostname, record.id);
    } catch (error) {
      await deleteDnsRecord(db, hostname, Date.now());
      throw error;
    }
  }
  return "new";
}

/** Removes one route of a tunnel from D1 and the zone; false when the tunnel has no such route. */
export async function unrouteHostname(
  db: D1Database,
  zone: ZoneRecordWriter | null,
  tunnelId: string,
  hostname: string,
  at: number,
): Promise<boolean> {
  const existing = await getDnsRecord(db, hostname);
  if (!existing || existing.tunnelId !== tunnelId) return false;
  if (!(await deleteDnsRecord(db, existing.hostname, at))) return false;
  if (zone && existing.zoneRecordId) await zone.deleteRecord(existing.zoneRecordId);
  return true;
}

/**
 * Soft-deletes a live tunnel and removes its DNS records and VPC services in one transaction,
 * auditing "Deleted" with the removed records (so a zone record is findable if the caller dies
 * before deleting it). Returns the removed records, or null when the tunnel was missing or deleted.
 */
export async function deleteTunnelWithRoutes(
  db: D1Database,
  tunnelId: string,
  at: number,
): Promise<DnsRecord[] | null> {
  const live = "id = ?1 AND deleted_at IS NULL";
  const results = await db.batch([
    db
      .prepare(
        `SELECT ${DNS_RECORD_COLUMNS} FROM dns_records WHERE tunnel_id = ?1
         AND EXISTS (SELECT 1 FROM tunnels WHERE ${live})`,
      )
      .bind(tunnelId),
    db
      .prepare(
        `INSERT INTO audit_log (tunnel_id, event, detail, at)
         SELECT t.id, 'Deleted', json_object('dnsRecords', (
           SELECT json_group_array(json_object('hostname', d.hostname,
             'zoneRecordId', d.zone_record_id))
           FROM dns_records AS d WHERE d.tunnel_id = t.id)), ?2
         FROM tunnels AS t WHERE t.id = ?1 AND t.deleted_at IS NULL`,
      )
      .bind(tunnelId, at),
    db
      .prepare(
        `DELETE FROM dns_records WHERE tunnel_id = ?1 AND EXISTS (SELECT 1 FROM tunnels WHERE ${live})`,
      )
      .bind(tunnelId),
    db
      .prepare(
        `DELETE FROM vpc_services WHERE tunnel_id = ?1 AND EXISTS (SELECT 1 FROM tunnels WHERE ${live})`,
      )
      .bind(tunnelId),
    db.prepare(`UPDATE tunnels SET deleted_at = ?2 WHERE ${live}`).bind(tunnelId, at),
  ]);
  if ((results[4]?.meta.changes ?? 0) === 0) return null;
  return ((results[0]?.results ?? []) as DnsRecordRow[]).map(toDnsRecord);
}

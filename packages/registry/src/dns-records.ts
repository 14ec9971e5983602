import { auditStatement } from "./audit-log";
import { HostnameTakenError, isConstraintError, TunnelNotFoundError } from "./errors";

/** A hostname routed to a tunnel. `zoneRecordId` is the real zone record's id, once created. */
export interface DnsRecord {
  hostname: string;
  tunnelId: string;
  type: string;
  content: string;
  zoneRecordId: string | null;
  createdAt: number;
}

/** What a caller supplies for a new record; the hostname is lowercased before it is stored. */
export interface NewDnsRecord {
  hostname: string;
  type: string;
  content: string;
}

/** The row shape of dns_records as D1 returns it. */
export interface DnsRecordRow {
  hostname: string;
  tunnel_id: string;
  type: string;
  content: string;
  zone_record_id: string | null;
  created_at: number;
}

export const DNS_RECORD_COLUMNS = "hostname, tunnel_id, type, content, zone_record_id, created_at";

/** Maps a dns_records row to its camelCase shape. */
export function toDnsRecord(row: DnsRecordRow): DnsRecord {
  return {
    hostname: row.hostname,
    tunnelId: row.tunnel_id,
    type: row.type,
    content: row.content,
    zoneRecordId: row.zone_record_id,
    createdAt: row.created_at,
  };
}

/** DNS hostnames are case-insensitive; the table stores one canonical, lowercase spelling. */
export function normalizeHostname(hostname: string): string {
  return hostname.trim().toLowerCase();
}

/** The records of one tunnel, by hostname. */
export async function listDnsRecords(db: D1Database, tunnelId: string): Promise<DnsRecord[]> {
  const { results } = await db
    .prepare(`SELECT ${DNS_RECORD_COLUMNS} FROM dns_records WHERE tunnel_id = ?1 ORDER BY hostname`)
    .bind(tunnelId)
    .all<DnsRecordRow>();
  return results.map(toDnsRecord);
}

/** Routes one more hostname to an existing tunnel and audits "CNAME add", atomically. */
export async function addDnsRecord(
  db: D1Database,
  tunnelId: string,
  record: NewDnsRecord,
  at: number,
): Promise<void> {
  await runRouting(db, tunnelId, record.hostname, [
    insertDnsRecordStatement(db, tunnelId, record, at),
    auditStatement(db, tunnelId, "CNAME add", routeDetail(record), at),
  ]);
}

/** Removes a hostname and audits "CNAME delete"; false when no such record exists. */
export async function deleteDnsRecord(
  db: D1Database,
  hostname: string,
  at: number,
): Promise<boolean> {
  const normalized = normalizeHostname(hostname);
  // The audit row is written first, from the row about to go, so both land in one transaction.
  const [, deleted] = await db.batch([
    db
      .prepare(
        `INSERT INTO audit_log (tunnel_id, event, detail, at)
         SELECT tunnel_id, 'CNAME delete', json_object('hostname', hostname), ?2
         FROM dns_records WHERE hostname = ?1`,
      )
      .bind(normalized, at),
    db.prepare("DELETE FROM dns_records WHERE hostname = ?1").bind(normalized),
  ]);
  return (deleted?.meta.changes ?? 0) > 0;
}

/** Records the id Cloudflare gave the real zone record; false when the hostname is unknown. */
export async function setZoneRecordId(
  db: D1Database,
  hostname: string,
  zoneRecordId: string | null,
): Promise<boolean> {
  const result = await db
    .prepare("UPDATE dns_records SET zone_record_id = ?2 WHERE hostname = ?1")
    .bind(normalizeHostname(hostname), zoneRecordId)
    .run();
  return result.meta.changes > 0;
}

/** The INSERT for one record, for batches that create it together with its tunnel. */
export function insertDnsRecordStatement(
  db: D1Database,
  tunnelId: string,
  record: NewDnsRecord,
  at: number,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO dns_records (hostname, tunnel_id, type, content, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5)`,
    )
    .bind(normalizeHostname(record.hostname), tunnelId, record.type, record.content, at);
}

/** The audit detail of a "CNAME add". */
export function routeDetail(record: NewDnsRecord): Record<string, string> {
  return {
    hostname: normalizeHostname(record.hostname),
    type: record.type,
    content: record.content,
  };
}

/**
 * Runs a batch that inserts a DNS record, turning constraint failures into typed errors.
 * A D1 batch is one transaction, so nothing in it is left behind when the insert fails.
 */
export async function runRouting(
  db: D1Database,
  tunnelId: string,
  hostname: string,
  statements: D1PreparedStatement[],
): Promise<void> {
  try {
    await db.batch(statements);
  } catch (error) {
    if (isConstraintError(error, "constraint failed: dns_records.hostname")) {
      throw new HostnameTakenError(normalizeHostname(hostname));
    }
    if (isConstraintError(error, "FOREIGN KEY constraint failed")) {
      throw new TunnelNotFoundError(tunnelId);
    }
    throw error;
  }
}

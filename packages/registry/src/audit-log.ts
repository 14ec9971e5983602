/** What happened to a tunnel; VPC service events read "VPC service created|updated|deleted". */
export type AuditEvent =
  | "Created"
  | "Registered"
  | "Unregistered"
  | "CNAME add"
  | "CNAME delete"
  | "CNAME update"
  | "Deleted"
  | "Renamed"
  | "Secret rotated"
  | "Configuration updated"
  | "Connections cleaned up"
  | `VPC service ${string}`;

/** One audit_log row; `detail` is the JSON that was recorded with it, parsed. */
export interface AuditEntry {
  id: number;
  tunnelId: string;
  event: AuditEvent;
  detail: unknown;
  at: number;
}

interface AuditRow {
  id: number;
  tunnel_id: string;
  event: string;
  detail: string | null;
  at: number;
}

/** Records one event for a tunnel; the row outlives the tunnel (audit_log has no foreign key). */
export async function appendAudit(
  db: D1Database,
  tunnelId: string,
  event: AuditEvent,
  detail: unknown,
  at: number,
): Promise<void> {
  await auditStatement(db, tunnelId, event, detail, at).run();
}

/** A tunnel's audit trail, oldest first; still answers after the tunnel is deleted. */
export async function listAudit(db: D1Database, tunnelId: string): Promise<AuditEntry[]> {
  const { results } = await db
    .prepare(
      "SELECT id, tunnel_id, event, detail, at FROM audit_log WHERE tunnel_id = ?1 ORDER BY at, id",
    )
    .bind(tunnelId)
    .all<AuditRow>();
  return results.map((row) => ({
    id: row.id,
    tunnelId: row.tunnel_id,
    event: row.event as AuditEvent,
    detail: row.detail === null ? null : JSON.parse(row.detail),
    at: row.at,
  }));
}

/** The INSERT behind appendAudit, for callers that put it in a batch with the change it records. */
export function auditStatement(
  db: D1Database,
  tunnelId: string,
  event: AuditEvent,
  detail: unknown,
  at: number,
): D1PreparedStatement {
  return db
    .prepare("INSERT INTO audit_log (tunnel_id, event, detail, at) VALUES (?1, ?2, ?3, ?4)")
    .bind(tunnelId, event, encodeDetail(detail), at);
}

/** JSON text for the detail column, or NULL when there is nothing to record. */
export function encodeDetail(detail: unknown): string | null {
  return detail === undefined || detail === null ? null : JSON.stringify(detail);
}

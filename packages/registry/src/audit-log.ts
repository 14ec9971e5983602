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
  | "Connection cut"
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

/** One page of an account's audit trail, newest first, with the account's total row count. */
export async function listAccountAudit(
  db: D1Database,
  accountTag: string,
  page: { offset: number; limit: number },
): Promise<{ entries: Array<AuditEntry & { tunnelName: string | null }>; totalCount: number }> {
  // audit_log has no account column: rows belong to the account of the tunnel they name. The
  // join keeps rows of deleted tunnels (their tunnels row is soft-deleted, never removed).
  const [rows, count] = await db.batch([
    db
      .prepare(
        `SELECT a.id, a.tunnel_id, a.event, a.detail, a.at, t.name AS tunnel_name
         FROM audit_log a JOIN tunnels t ON t.id = a.tunnel_id
         WHERE t.account_tag = ?1 ORDER BY a.at DESC, a.id DESC LIMIT ?2 OFFSET ?3`,
      )
      .bind(accountTag, page.limit, page.offset),
    db
      .prepare(
        `SELECT COUNT(*) AS total FROM audit_log a JOIN tunnels t ON t.id = a.tunnel_id
         WHERE t.account_tag = ?1`,
      )
      .bind(accountTag),
  ]);
  const entries = ((rows?.results ?? []) as Array<AuditRow & { tunnel_name: string | null }>).map(
    (row) => ({
      id: row.id,
      tunnelId: row.tunnel_id,
      tunnelName: row.tunnel_name,
      event: row.event as AuditEvent,
      detail: row.detail === null ? null : JSON.parse(row.detail),
      at: row.at,
    }),
  );
  const totalCount = Number((count?.results?.[0] as { total?: number } | undefined)?.total ?? 0);
  return { entries, totalCount };
}

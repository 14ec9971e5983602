import { auditStatement, encodeDetail } from "./audit-log";
import { chunk, MAX_BOUND_PARAMETERS, placeholders } from "./batch";
import {
  DNS_RECORD_COLUMNS,
  type DnsRecord,
  type DnsRecordRow,
  insertDnsRecordStatement,
  type NewDnsRecord,
  normalizeHostname,
  routeDetail,
  runRouting,
  toDnsRecord,
} from "./dns-records";
import { isConstraintError, TunnelNameTakenError } from "./errors";

/** Quick tunnels are anonymous and reaped when idle; named tunnels live until deleted. */
export type TunnelKind = "quick" | "named";

/**
 * A tunnel row. `connsInactiveAt` is null while at least one connection is live, otherwise the
 * time it last became idle (its creation time if it never connected).
 */
export interface Tunnel {
  id: string;
  accountTag: string;
  name: string;
  kind: TunnelKind;
  secretHash: string;
  createdAt: number;
  deletedAt: number | null;
  connsInactiveAt: number | null;
  /** When the tunnel last went from no live connection to one; null if it never connected. */
  connsActiveAt: number | null;
  /** Where connectors take their ingress from: their own config file, or PUT /configurations. */
  configSrc: ConfigSource;
  /** The secret sealed by the API Worker (see its README), or null. */
  secretSealed: string | null;
}

/** Cloudflare's `config_src`. */
export type ConfigSource = "local" | "cloudflare";

/** What createTunnel needs; `secretHash` comes from hashSecret(). */
export interface NewTunnel {
  id: string;
  accountTag: string;
  name: string;
  kind: TunnelKind;
  secretHash: string;
  createdAt: number;
  configSrc?: ConfigSource;
  secretSealed?: string | null;
}

/** The row shape of tunnels as D1 returns it. */
export interface TunnelRow {
  id: string;
  account_tag: string;
  name: string;
  kind: TunnelKind;
  secret_hash: string;
  created_at: number;
  deleted_at: number | null;
  conns_inactive_at: number | null;
  conns_active_at: number | null;
  config_src: ConfigSource;
  secret_sealed: string | null;
}

export const TUNNEL_COLUMNS =
  "id, account_tag, name, kind, secret_hash, created_at, deleted_at, conns_inactive_at, conns_active_at, config_src, secret_sealed";

/**
 * The reaper's query, exported so a test can EXPLAIN it. Every term matches the partial index
 * tunnels_reap (kind, conns_inactive_at) WHERE deleted_at IS NULL AND conns_inactive_at IS NOT NULL.
 */
export const REAPABLE_QUICK_TUNNELS_SQL = `SELECT ${TUNNEL_COLUMNS} FROM tunnels
  WHERE kind = 'quick' AND deleted_at IS NULL AND conns_inactive_at < ?1
  ORDER BY conns_inactive_at
  LIMIT ?2`;

// deleteTunnels binds the time and the optional cutoff besides the ids: 98 + 2 = 100 parameters.
const DELETE_CHUNK_IDS = MAX_BOUND_PARAMETERS - 2;

/**
 * Inserts a tunnel, optionally its first DNS record, and their audit rows in one D1 batch (one
 * transaction). Throws HostnameTakenError when the hostname is routed already, leaving no rows.
 */
export async function createTunnel(
  db: D1Database,
  tunnel: NewTunnel,
  dns?: NewDnsRecord,
): Promise<void> {
  const at = tunnel.createdAt;
  const statements = [
    // conns_inactive_at = created_at: a tunnel that never connects is idle from its first moment.
    db
      .prepare(
        `INSERT INTO tunnels (${TUNNEL_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?6, NULL, ?7, ?8)`,
      )
      .bind(
        tunnel.id,
        tunnel.accountTag,
        tunnel.name,
        tunnel.kind,
        tunnel.secretHash,
        at,
        tunnel.configSrc ?? "local",
        tunnel.secretSealed ?? null,
      ),
    auditStatement(db, tunnel.id, "Created", { name: tunnel.name, kind: tunnel.kind }, at),
  ];
  if (dns === undefined) {
    await runTunnelInsert(db, tunnel, statements);
    return;
  }
  statements.push(
    insertDnsRecordStatement(db, tunnel.id, dns, at),
    auditStatement(db, tunnel.id, "CNAME add", routeDetail(dns), at),
  );
  await runTunnelInsert(db, tunnel, statements, dns.hostname);
}

// The live-name index (migration 0002) turns a duplicate into a constraint failure of the batch,
// so the name check and the insert are one atomic step.
async function runTunnelInsert(
  db: D1Database,
  tunnel: NewTunnel,
  statements: D1PreparedStatement[],
  hostname?: string,
): Promise<void> {
  try {
    if (hostname === undefined) await db.batch(statements);
    else await runRouting(db, tunnel.id, hostname, statements);
  } catch (error) {
    if (isConstraintError(error, "constraint failed: tunnels.account_tag, tunnels.name")) {
      throw new TunnelNameTakenError(tunnel.name);
    }
    throw error;
  }
}

/** One tunnel by id, soft-deleted ones included (check `deletedAt`); null when there is none. */
export async function getTunnel(db: D1Database, id: string): Promise<Tunnel | null> {
  const row = await db
    .prepare(`SELECT ${TUNNEL_COLUMNS} FROM tunnels WHERE id = ?1`)
    .bind(id)
    .first<TunnelRow>();
  return row === null ? null : toTunnel(row);
}

/**
 * The live tunnel a hostname routes to (case-insensitive), or null; deleted tunnels never match.
 * Without an exact route, the nearest wildcard route answers: for `a.b.dev.example.com` that is
 * `*.b.dev.example.com`, then `*.dev.example.com`, then `*.example.com` (a wildcard covers every
 * depth below it, as in cloudflared's ingress rules, but not its own apex).
 */
export async function findTunnelByHostname(
  db: D1Database,
  hostname: string,
): Promise<{ tunnelId: string; kind: TunnelKind } | null> {
  const candidates = routeCandidates(normalizeHostname(hostname));
  // Primary-key seeks on dns_records (one per candidate, at most MAX_BOUND_PARAMETERS), then one
  // on tunnels; the longest candidate is the most specific, so it wins.
  const row = await db
    .prepare(
      `SELECT t.id AS tunnel_id, t.kind AS kind
       FROM dns_records AS d JOIN tunnels AS t ON t.id = d.tunnel_id
       WHERE d.hostname IN (${placeholders(candidates.length)}) AND t.deleted_at IS NULL
       ORDER BY length(d.hostname) DESC LIMIT 1`,
    )
    .bind(...candidates)
    .first<{ tunnel_id: string; kind: TunnelKind }>();
  return row === null ? null : { tunnelId: row.tunnel_id, kind: row.kind };
}

/** The hostname itself, then `*.<parent>` for each parent with at least two labels. */
export function routeCandidates(hostname: string): string[] {
  const labels = hostname.split(".");
  const candidates = [hostname];
  for (let start = 1; start < labels.length - 1; start++) {
    candidates.push(`*.${labels.slice(start).join(".")}`);
  }
  return candidates.slice(0, MAX_BOUND_PARAMETERS);
}

/**
 * Records a live connection: conns_inactive_at = NULL, conns_active_at = `at`, plus a "Registered" audit row. Returns false,
 * changing nothing, when the tunnel is missing or deleted, so the caller refuses the connection.
 */
export async function markConnected(
  db: D1Database,
  tunnelId: string,
  at: number,
  detail?: unknown,
): Promise<boolean> {
  // D1 runs one batch as one transaction, and writes are serialised, so this either lands before a
  // concurrent reaper's guarded delete (which then skips the tunnel) or finds the row gone.
  const [, updated] = await db.batch([
    db
      .prepare(
        `INSERT INTO audit_log (tunnel_id, event, detail, at)
         SELECT id, 'Registered', ?2, ?3 FROM tunnels WHERE id = ?1 AND deleted_at IS NULL`,
      )
      .bind(tunnelId, encodeDetail(detail), at),
    db
      .prepare(
        `UPDATE tunnels SET conns_inactive_at = NULL, conns_active_at = ?2
         WHERE id = ?1 AND deleted_at IS NULL`,
      )
      .bind(tunnelId, at),
  ]);
  return (updated?.meta.changes ?? 0) > 0;
}

/**
 * Records that the last live connection closed: conns_inactive_at = `at` plus an "Unregistered"
 * audit row. Call it only when no connection remains. Returns false when the tunnel is missing.
 */
export async function markDisconnected(
  db: D1Database,
  tunnelId: string,
  at: number,
  detail?: unknown,
): Promise<boolean> {
  const [, updated] = await db.batch([
    db
      .prepare(
        `INSERT INTO audit_log (tunnel_id, event, detail, at)
         SELECT id, 'Unregistered', ?2, ?3 FROM tunnels WHERE id = ?1`,
      )
      .bind(tunnelId, encodeDetail(detail), at),
    db.prepare("UPDATE tunnels SET conns_inactive_at = ?2 WHERE id = ?1").bind(tunnelId, at),
  ]);
  return (updated?.meta.changes ?? 0) > 0;
}

/**
 * Soft-deletes a tunnel: sets deleted_at, so hostname lookups and new connections stop at once,
 * and audits "Deleted". Returns false when the tunnel is missing or already deleted.
 */
export async function markTunnelDeleted(
  db: D1Database,
  tunnelId: string,
  at: number,
): Promise<boolean> {
  const [, updated] = await db.batch([
    db
      .prepare(
        `INSERT INTO audit_log (tunnel_id, event, detail, at)
         SELECT id, 'Deleted', json_object('soft', json('true')), ?2
         FROM tunnels WHERE id = ?1 AND deleted_at IS NULL`,
      )
      .bind(tunnelId, at),
    db
      .prepare("UPDATE tunnels SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL")
      .bind(tunnelId, at),
  ]);
  return (updated?.meta.changes ?? 0) > 0;
}

/**
 * Quick tunnels, not deleted, idle since before `inactiveBefore` (never-connected ones included),
 * oldest first, each with its DNS records so the reaper can remove the real zone records too.
 */
export async function listReapableQuickTunnels(
  db: D1Database,
  options: { inactiveBefore: number; limit: number },
): Promise<Array<Tunnel & { dnsRecords: DnsRecord[] }>> {
  const { results } = await db
    .prepare(REAPABLE_QUICK_TUNNELS_SQL)
    .bind(options.inactiveBefore, options.limit)
    .all<TunnelRow>();
  if (results.length === 0) return [];

  const byTunnel = new Map<string, DnsRecord[]>(results.map((row) => [row.id, []]));
  // A read-only batch is one consistent snapshot; each statement stays under 100 parameters.
  const pages = await db.batch<DnsRecordRow>(
    chunk([...byTunnel.keys()], MAX_BOUND_PARAMETERS).map((ids) =>
      db
        .prepare(
          `SELECT ${DNS_RECORD_COLUMNS} FROM dns_records
           WHERE tunnel_id IN (${placeholders(ids.length)}) ORDER BY hostname`,
        )
        .bind(...ids),
    ),
  );
  for (const page of pages) {
    for (const row of page.results) byTunnel.get(row.tunnel_id)?.push(toDnsRecord(row));
  }
  return results.map((row) => ({ ...toTunnel(row), dnsRecords: byTunnel.get(row.id) ?? [] }));
}

/**
 * Hard-deletes tunnels (their DNS records and VPC services go with them by ON DELETE CASCADE) and
 * writes one "Deleted" audit row per tunnel, whose detail keeps the removed DNS records.
 * With `onlyIfInactiveBefore`, a tunnel that reconnected since it was listed is skipped.
 * Returns the ids actually deleted.
 */
export async function deleteTunnels(
  db: D1Database,
  ids: readonly string[],
  at: number,
  options: { onlyIfInactiveBefore?: number } = {},
): Promise<string[]> {
  const cutoff = options.onlyIfInactiveBefore ?? null;
  const deleted: string[] = [];
  // One batch (one transaction) per chunk keeps every statement at or under D1's 100 bound
  // parameters and keeps each write transaction short: D1 executes one query at a time.
  for (const batchIds of chunk([...new Set(ids)], DELETE_CHUNK_IDS)) {
    const [, removed] = await db.batch<{ id: string }>([
      // The audit row copies the DNS records before the cascade removes them, so a zone record
      // left behind by a crashed reaper can still be found from the audit log.
      db
        .prepare(
          `INSERT INTO audit_log (tunnel_id, event, detail, at)
           SELECT t.id, 'Deleted', json_object('dnsRecords', (
             SELECT json_group_array(json_object('hostname', d.hostname,
               'zoneRecordId', d.zone_record_id))
             FROM dns_records AS d WHERE d.tunnel_id = t.id)), ?1
           FROM tunnels AS t
           WHERE t.id IN (${placeholders(batchIds.length, 3)})
             AND (?2 IS NULL OR t.conns_inactive_at < ?2)`,
        )
        .bind(at, cutoff, ...batchIds),
      db
        .prepare(
          `DELETE FROM tunnels
           WHERE id IN (${placeholders(batchIds.length, 2)})
             AND (?1 IS NULL OR conns_inactive_at < ?1)
           RETURNING id`,
        )
        .bind(cutoff, ...batchIds),
    ]);
    for (const row of removed?.results ?? []) deleted.push(row.id);
  }
  return deleted;
}

/**
 * The reaper's delete: soft-deletes idle quick tunnels (deleted_at, so the edge answers 410 to their
 * connectors and 404 to their hostnames), removes their DNS records and VPC services, and writes one
 * "Deleted" audit row each, keeping the removed records. A tunnel that is named, already deleted,
 * or active at or after `inactiveBefore` is skipped. Returns the ids actually deleted.
 */
export async function reapTunnels(
  db: D1Database,
  ids: readonly string[],
  at: number,
  options: { inactiveBefore: number },
): Promise<string[]> {
  const reaped: string[] = [];
  // Each statement binds the time, the cutoff and the ids: 98 + 2 = 100 parameters at most.
  for (const batchIds of chunk([...new Set(ids)], DELETE_CHUNK_IDS)) {
    // ?1 = at, ?2 = cutoff, ?3… = ids; a statement that does not need ?1 still binds it.
    const reapable = (alias: string) =>
      `${alias}.id IN (${placeholders(batchIds.length, 3)}) AND ${alias}.kind = 'quick'
       AND ${alias}.deleted_at IS NULL AND ${alias}.conns_inactive_at < ?2`;
    const params = [at, options.inactiveBefore, ...batchIds];
    // One batch is one transaction: the audit rows, the removed records and deleted_at land
    // together. The audit row copies the DNS records first, so a zone record is always findable.
    const results = await db.batch<{ id: string }>([
      db
        .prepare(
          `INSERT INTO audit_log (tunnel_id, event, detail, at)
           SELECT t.id, 'Deleted', json_object('reason', 'reaped',
             'inactiveSince', t.conns_inactive_at, 'dnsRecords', (
               SELECT json_group_array(json_object('hostname', d.hostname,
                 'zoneRecordId', d.zone_record_id))
               FROM dns_records AS d WHERE d.tunnel_id = t.id)), ?1
           FROM tunnels AS t WHERE ${reapable("t")}`,
        )
        .bind(...params),
      db
        .prepare(
          `DELETE FROM dns_records WHERE ?1 IS NOT NULL AND tunnel_id IN (
             SELECT t.id FROM tunnels AS t WHERE ${reapable("t")})`,
        )
        .bind(...params),
      db
        .prepare(
          `DELETE FROM vpc_services WHERE ?1 IS NOT NULL AND tunnel_id IN (
             SELECT t.id FROM tunnels AS t WHERE ${reapable("t")})`,
        )
        .bind(...params),
      db
        .prepare(`UPDATE tunnels AS t SET deleted_at = ?1 WHERE ${reapable("t")} RETURNING id`)
        .bind(...params),
    ]);
    for (const row of results[3]?.results ?? []) reaped.push(row.id);
  }
  return reaped;
}

/** Maps a tunnels row to its camelCase shape. */
export function toTunnel(row: TunnelRow): Tunnel {
  return {
    id: row.id,
    accountTag: row.account_tag,
    name: row.name,
    kind: row.kind,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
    connsInactiveAt: row.conns_inactive_at,
    connsActiveAt: row.conns_active_at,
    configSrc: row.config_src,
    secretSealed: row.secret_sealed,
  };
}

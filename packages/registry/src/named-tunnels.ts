import { auditStatement } from "./audit-log";
import { isConstraintError, TunnelNameTakenError } from "./errors";
import {
  type ConfigSource,
  TUNNEL_COLUMNS,
  type Tunnel,
  type TunnelRow,
  toTunnel,
} from "./tunnels";

/**
 * The filters of Cloudflare's `GET /accounts/{a}/cfd_tunnel`, already parsed. Times are ms.
 * `isDeleted` undefined means false, as cloudflared and the contract expect.
 */
export interface TunnelListFilter {
  accountTag: string;
  name?: string;
  id?: string;
  isDeleted?: boolean;
  existedAt?: number;
  namePrefix?: string;
  excludePrefix?: string;
  wasActiveAt?: number;
  wasInactiveAt?: number;
  /** The coarse status D1 knows: never connected, some connection live, or idle since. */
  presence?: "never" | "live" | "idle";
}

/** One page of tunnels plus the number of all that match, for `result_info`. */
export interface TunnelPage {
  tunnels: Tunnel[];
  totalCount: number;
}

/** LIKE with `\` as escape, so a prefix containing `%` or `_` matches only itself. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

function whereOf(filter: TunnelListFilter): { sql: string; params: unknown[] } {
  const terms = ["account_tag = ?1"];
  const params: unknown[] = [filter.accountTag];
  const bind = (value: unknown) => {
    params.push(value);
    return `?${params.length}`;
  };
  terms.push(filter.isDeleted ? "deleted_at IS NOT NULL" : "deleted_at IS NULL");
  if (filter.name !== undefined) terms.push(`name = ${bind(filter.name)}`);
  if (filter.id !== undefined) terms.push(`id = ${bind(filter.id.toLowerCase())}`);
  if (filter.namePrefix !== undefined) {
    terms.push(`name LIKE ${bind(likePrefix(filter.namePrefix))} ESCAPE '\\'`);
  }
  if (filter.excludePrefix !== undefined) {
    terms.push(`name NOT LIKE ${bind(likePrefix(filter.excludePrefix))} ESCAPE '\\'`);
  }
  if (filter.existedAt !== undefined) {
    const at = bind(filter.existedAt);
    terms.push(`created_at <= ${at} AND (deleted_at IS NULL OR deleted_at > ${at})`);
  }
  // Only the last transition of each kind is kept, so these answer from it: a tunnel active now
  // was active at any time since conns_active_at, an idle one between its two stamps.
  if (filter.wasActiveAt !== undefined) {
    const at = bind(filter.wasActiveAt);
    terms.push(
      `conns_active_at <= ${at} AND (conns_inactive_at IS NULL OR conns_inactive_at >= ${at})`,
    );
  }
  if (filter.wasInactiveAt !== undefined) {
    const at = bind(filter.wasInactiveAt);
    terms.push(
      `(conns_active_at IS NULL OR conns_active_at > ${at}
        OR (conns_inactive_at IS NOT NULL AND conns_inactive_at <= ${at}))`,
    );
  }
  if (filter.presence === "never") terms.push("conns_active_at IS NULL");
  if (filter.presence === "live") terms.push("conns_inactive_at IS NULL");
  if (filter.presence === "idle") {
    terms.push("conns_active_at IS NOT NULL AND conns_inactive_at IS NOT NULL");
  }
  return { sql: terms.join(" AND "), params };
}

/**
 * Lists an account's tunnels, oldest first (then by id, so pages never overlap), with the total
 * count in the same read-only batch, i.e. from one consistent snapshot.
 */
export async function listTunnels(
  db: D1Database,
  filter: TunnelListFilter,
  paging: { offset: number; limit: number },
): Promise<TunnelPage> {
  const { sql, params } = whereOf(filter);
  const n = params.length;
  const [rows, count] = await db.batch([
    db
      .prepare(
        `SELECT ${TUNNEL_COLUMNS} FROM tunnels WHERE ${sql}
         ORDER BY created_at, id LIMIT ?${n + 1} OFFSET ?${n + 2}`,
      )
      .bind(...params, paging.limit, paging.offset),
    db.prepare(`SELECT COUNT(*) AS total FROM tunnels WHERE ${sql}`).bind(...params),
  ]);
  const total = (count?.results[0] as { total: number } | undefined)?.total ?? 0;
  return { tunnels: ((rows?.results ?? []) as TunnelRow[]).map(toTunnel), totalCount: total };
}

/** Renames a live tunnel and audits "Renamed"; false when it is missing or deleted. */
export async function renameTunnel(
  db: D1Database,
  id: string,
  name: string,
  at: number,
): Promise<boolean> {
  try {
    const [, updated] = await db.batch([
      db
        .prepare(
          `INSERT INTO audit_log (tunnel_id, event, detail, at)
           SELECT id, 'Renamed', json_object('from', name, 'to', ?2), ?3
           FROM tunnels WHERE id = ?1 AND deleted_at IS NULL`,
        )
        .bind(id, name, at),
      db
        .prepare("UPDATE tunnels SET name = ?2 WHERE id = ?1 AND deleted_at IS NULL")
        .bind(id, name),
    ]);
    return (updated?.meta.changes ?? 0) > 0;
  } catch (error) {
    if (isConstraintError(error, "constraint failed: tunnels.account_tag, tunnels.name")) {
      throw new TunnelNameTakenError(name);
    }
    throw error;
  }
}

/**
 * Replaces a live tunnel's secret and audits "Secret rotated". From this write on, the edge's
 * connector check (which reads secret_hash on every connect) refuses the old secret.
 */
export async function rotateTunnelSecret(
  db: D1Database,
  id: string,
  secret: { hash: string; sealed: string | null },
  at: number,
): Promise<boolean> {
  const [, updated] = await db.batch([
    auditStatement(db, id, "Secret rotated", null, at),
    db
      .prepare(
        "UPDATE tunnels SET secret_hash = ?2, secret_sealed = ?3 WHERE id = ?1 AND deleted_at IS NULL",
      )
      .bind(id, secret.hash, secret.sealed),
  ]);
  return (updated?.meta.changes ?? 0) > 0;
}

/** A stored remote configuration version. */
export interface TunnelConfiguration {
  tunnelId: string;
  version: number;
  config: unknown;
  createdAt: number;
}

/**
 * Stores `config` as the tunnel's next version (1, 2, …), sets config_src = 'cloudflare' and
 * audits "Configuration updated", in one transaction. Returns the stored version.
 */
export async function putTunnelConfiguration(
  db: D1Database,
  tunnelId: string,
  config: unknown,
  at: number,
): Promise<TunnelConfiguration> {
  const [inserted] = await db.batch<{ version: number }>([
    db
      .prepare(
        `INSERT INTO tunnel_configurations (tunnel_id, version, config, created_at)
         SELECT ?1, COALESCE(MAX(version), 0) + 1, ?2, ?3
         FROM tunnel_configurations WHERE tunnel_id = ?1
         RETURNING version`,
      )
      .bind(tunnelId, JSON.stringify(config), at),
    db
      .prepare("UPDATE tunnels SET config_src = ?2 WHERE id = ?1")
      .bind(tunnelId, "cloudflare" satisfies ConfigSource),
    db
      .prepare(
        `INSERT INTO audit_log (tunnel_id, event, detail, at)
         SELECT ?1, 'Configuration updated', json_object('version', MAX(version)), ?2
         FROM tunnel_configurations WHERE tunnel_id = ?1`,
      )
      .bind(tunnelId, at),
  ]);
  const version = inserted?.results[0]?.version ?? 0;
  return { tunnelId, version, config, createdAt: at };
}

/** The newest configuration version of a tunnel, or null when none was ever put. */
export async function getTunnelConfiguration(
  db: D1Database,
  tunnelId: string,
): Promise<TunnelConfiguration | null> {
  const row = await db
    .prepare(
      `SELECT tunnel_id, version, config, created_at FROM tunnel_configurations
       WHERE tunnel_id = ?1 ORDER BY version DESC LIMIT 1`,
    )
    .bind(tunnelId)
    .first<{ tunnel_id: string; version: number; config: string; created_at: number }>();
  if (row === null) return null;
  return {
    tunnelId: row.tunnel_id,
    version: row.version,
    config: JSON.parse(row.config),
    createdAt: row.created_at,
  };
}

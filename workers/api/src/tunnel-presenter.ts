import type { Tunnel } from "@burrow/registry";
import type { ConnectionRecord, ConnectorSnapshot } from "@burrow/tunnel-contract";

/** Cloudflare's tunnel statuses; the rule is in README.md ("Status"). */
export type TunnelStatus = "inactive" | "healthy" | "degraded" | "down";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The status rule: never connected → inactive; no live connection → down; live, but a connection
 * dropped in the last five minutes has not come back (pending reconnect) → degraded; else healthy.
 * `snapshot` is needed only when D1 says a connection is live.
 */
export function statusOf(tunnel: Tunnel, snapshot: ConnectorSnapshot | null): TunnelStatus {
  const live = snapshot ? snapshot.live.length : tunnel.connsInactiveAt === null ? 1 : 0;
  if (tunnel.connsActiveAt === null && live === 0) return "inactive";
  if (tunnel.deletedAt !== null || live === 0) return "down";
  return pendingReconnects(snapshot).length > 0 ? "degraded" : "healthy";
}

/** Drops whose connector has not opened a connection with the same index since. */
function pendingReconnects(snapshot: ConnectorSnapshot | null) {
  if (!snapshot) return [];
  return snapshot.dropped.filter(
    (drop) =>
      !snapshot.live.some(
        (conn) =>
          conn.connectorId === drop.connectorId &&
          conn.connIndex === drop.connIndex &&
          conn.openedAt >= drop.droppedAt,
      ),
  );
}

/** True when a tunnel needs its Durable Object asked for status (D1 says it is connected). */
export function needsSnapshot(tunnel: Tunnel): boolean {
  return tunnel.deletedAt === null && tunnel.connsInactiveAt === null;
}

/** Cloudflare's tunnel object. */
export function presentTunnel(tunnel: Tunnel, snapshot: ConnectorSnapshot | null) {
  return {
    id: tunnel.id,
    account_tag: tunnel.accountTag,
    name: tunnel.name,
    created_at: iso(tunnel.createdAt),
    deleted_at: iso(tunnel.deletedAt),
    conns_active_at: iso(tunnel.connsActiveAt),
    conns_inactive_at: iso(tunnel.connsInactiveAt),
    status: statusOf(tunnel, snapshot),
    // Cloudflare lists trycloudflare tunnels as cfd_tunnel too; `metadata.quick_tunnel` says which.
    tun_type: "cfd_tunnel",
    config_src: tunnel.configSrc,
    remote_config: tunnel.configSrc === "cloudflare",
    metadata: tunnel.kind === "quick" ? { quick_tunnel: true } : {},
    // Deprecated in Cloudflare's API in favour of /connections; filled from the same snapshot.
    connections: snapshot ? snapshot.live.map((conn) => presentConnection(conn, false)) : [],
  };
}

function presentConnection(conn: ConnectionRecord, pending: boolean) {
  return {
    id: conn.connectionId,
    uuid: conn.connectionId,
    client_id: conn.connectorId,
    client_version: conn.version,
    colo_name: conn.colo,
    opened_at: iso(conn.openedAt),
    origin_ip: conn.originIp,
    is_pending_reconnect: pending,
  };
}

/** `/connections`: one entry per connector, each with its live and pending-reconnect connections. */
export function presentConnectors(snapshot: ConnectorSnapshot) {
  const pending = new Set(pendingReconnects(snapshot).map((drop) => drop.connectionId));
  const byConnector = new Map<string, Array<{ conn: ConnectionRecord; pending: boolean }>>();
  const add = (conn: ConnectionRecord, isPending: boolean) => {
    const list = byConnector.get(conn.connectorId) ?? [];
    list.push({ conn, pending: isPending });
    byConnector.set(conn.connectorId, list);
  };
  for (const conn of snapshot.live) add(conn, false);
  for (const drop of snapshot.dropped) if (pending.has(drop.connectionId)) add(drop, true);
  return [...byConnector.entries()].map(([connectorId, conns]) => {
    const first = conns[0]?.conn;
    return {
      id: connectorId,
      arch: first?.arch ?? "",
      version: first?.version ?? "",
      features: first?.features ?? [],
      run_at: iso(Math.min(...conns.map(({ conn }) => conn.openedAt))),
      // What the connector's live connections last reported; they agree once a version landed.
      config_version: Math.max(
        0,
        ...conns.flatMap(({ conn, pending }) => (pending ? [] : [conn.configVersion ?? 0])),
      ),
      conns: conns.map(({ conn, pending: isPending }) => presentConnection(conn, isPending)),
    };
  });
}

import { auditStatement } from "./audit-log";
import { isConstraintError, TunnelNotFoundError, VpcServiceNameTakenError } from "./errors";

/** Workers VPC's ports when an http service names none. */
export const DEFAULT_HTTP_PORT = 80;
export const DEFAULT_HTTPS_PORT = 443;

/** Where a service lives: a hostname resolved in the tunnel's network, or fixed IPs. */
export type VpcServiceHost =
  | { hostname: string; resolver_network: { tunnel_id: string; resolver_ips?: string[] } }
  | { ipv4?: string; ipv6?: string; network: { tunnel_id: string } };

/** `tls_settings` of either service type. */
export interface VpcServiceTls {
  cert_verification_mode?: "verify_full" | "verify_ca" | "disabled";
}

/** An http service: the binding's `fetch()` reaches it on `http_port` or `https_port`. */
export interface HttpVpcServiceConfig {
  type: "http";
  name: string;
  http_port?: number;
  https_port?: number;
  host: VpcServiceHost;
  tls_settings?: VpcServiceTls;
}

/** A TCP service (`connect()`); stored and listed, the data path comes later. */
export interface TcpVpcServiceConfig {
  type: "tcp";
  name: string;
  tcp_port: number;
  app_protocol?: "postgresql" | "mysql";
  host: VpcServiceHost;
  tls_settings?: VpcServiceTls;
}

/**
 * A Workers VPC service in the shape Cloudflare's API and wrangler use. Stored as given;
 * validation lives in the API Worker, which is the only writer.
 */
export type VpcServiceConfig = HttpVpcServiceConfig | TcpVpcServiceConfig;

/** The service types Workers VPC has. */
export type VpcServiceType = VpcServiceConfig["type"];

/** A stored VPC service; `name`, `type` and `tunnelId` are copies of what `config` says. */
export interface VpcService {
  id: string;
  name: string;
  type: VpcServiceType;
  tunnelId: string;
  config: VpcServiceConfig;
  createdAt: number;
  updatedAt: number;
}

/** One page of an account's services, with the total for `result_info`. */
export interface VpcServicePage {
  services: VpcService[];
  totalCount: number;
}

interface VpcServiceRow {
  id: string;
  name: string;
  type: VpcServiceType;
  tunnel_id: string;
  config: string;
  created_at: number;
  updated_at: number;
}

const VPC_SERVICE_COLUMNS = "id, name, type, tunnel_id, config, created_at, updated_at";

/** The tunnel a service's traffic goes through, whichever host form the config uses. */
export function vpcServiceTunnelId(config: VpcServiceConfig): string {
  return "resolver_network" in config.host
    ? config.host.resolver_network.tunnel_id
    : config.host.network.tunnel_id;
}

/**
 * Stores a new VPC service and audits "VPC service created" on its tunnel, atomically.
 * Throws VpcServiceNameTakenError for a duplicate name, TunnelNotFoundError for an unknown tunnel.
 */
export async function createVpcService(
  db: D1Database,
  service: { id: string; config: VpcServiceConfig; createdAt: number },
): Promise<VpcService> {
  const { id, config, createdAt } = service;
  const tunnelId = vpcServiceTunnelId(config);
  await runServiceWrite(db, config, [
    db
      .prepare(
        `INSERT INTO vpc_services (${VPC_SERVICE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)`,
      )
      .bind(id, config.name, config.type, tunnelId, JSON.stringify(config), createdAt),
    auditStatement(db, tunnelId, "VPC service created", { id, name: config.name }, createdAt),
  ]);
  return {
    id,
    name: config.name,
    type: config.type,
    tunnelId,
    config,
    createdAt,
    updatedAt: createdAt,
  };
}

/** One VPC service by id, or null. */
export async function getVpcService(db: D1Database, id: string): Promise<VpcService | null> {
  const row = await db
    .prepare(`SELECT ${VPC_SERVICE_COLUMNS} FROM vpc_services WHERE id = ?1`)
    .bind(id)
    .first<VpcServiceRow>();
  return row === null ? null : toVpcService(row);
}

/** Every VPC service, by name. */
export async function listVpcServices(db: D1Database): Promise<VpcService[]> {
  const { results } = await db
    .prepare(`SELECT ${VPC_SERVICE_COLUMNS} FROM vpc_services ORDER BY name`)
    .all<VpcServiceRow>();
  return results.map(toVpcService);
}

/**
 * The services whose tunnel belongs to `accountTag`, by name then id (so pages never overlap),
 * optionally of one type, with the total count for exact paging.
 */
export async function listAccountVpcServices(
  db: D1Database,
  filter: { accountTag: string; type?: VpcServiceType; limit: number; offset: number },
): Promise<VpcServicePage> {
  const where = `s.tunnel_id IN (SELECT id FROM tunnels WHERE account_tag = ?1)
    AND (?2 IS NULL OR s.type = ?2)`;
  const columns = VPC_SERVICE_COLUMNS.split(", ")
    .map((column) => `s.${column}`)
    .join(", ");
  const type = filter.type ?? null;
  const [rows, count] = await db.batch([
    db
      .prepare(
        `SELECT ${columns} FROM vpc_services s WHERE ${where} ORDER BY s.name, s.id LIMIT ?3 OFFSET ?4`,
      )
      .bind(filter.accountTag, type, filter.limit, filter.offset),
    db
      .prepare(`SELECT COUNT(*) AS total FROM vpc_services s WHERE ${where}`)
      .bind(filter.accountTag, type),
  ]);
  const total = (count?.results[0] as { total: number } | undefined)?.total ?? 0;
  return {
    services: ((rows?.results ?? []) as VpcServiceRow[]).map(toVpcService),
    totalCount: total,
  };
}

/**
 * Replaces a service's config (name and tunnel follow it) and audits "VPC service updated" on the
 * tunnel it now uses. Returns the updated service, or null when there is no such id.
 */
export async function updateVpcService(
  db: D1Database,
  id: string,
  config: VpcServiceConfig,
  at: number,
): Promise<VpcService | null> {
  const tunnelId = vpcServiceTunnelId(config);
  const [updated] = await runServiceWrite(db, config, [
    db
      .prepare(
        `UPDATE vpc_services SET name = ?2, type = ?3, tunnel_id = ?4, config = ?5, updated_at = ?6
         WHERE id = ?1 RETURNING ${VPC_SERVICE_COLUMNS}`,
      )
      .bind(id, config.name, config.type, tunnelId, JSON.stringify(config), at),
    // Conditional on the service existing, so an update of an unknown id writes nothing at all.
    db
      .prepare(
        `INSERT INTO audit_log (tunnel_id, event, detail, at)
         SELECT tunnel_id, 'VPC service updated', json_object('id', id, 'name', name), ?2
         FROM vpc_services WHERE id = ?1`,
      )
      .bind(id, at),
  ]);
  const row = updated?.results[0] as VpcServiceRow | undefined;
  return row === undefined ? null : toVpcService(row);
}

/** Deletes a VPC service and audits "VPC service deleted"; false when there is no such id. */
export async function deleteVpcService(db: D1Database, id: string, at: number): Promise<boolean> {
  const [, deleted] = await db.batch([
    db
      .prepare(
        `INSERT INTO audit_log (tunnel_id, event, detail, at)
         SELECT tunnel_id, 'VPC service deleted', json_object('id', id, 'name', name), ?2
         FROM vpc_services WHERE id = ?1`,
      )
      .bind(id, at),
    db.prepare("DELETE FROM vpc_services WHERE id = ?1").bind(id),
  ]);
  return (deleted?.meta.changes ?? 0) > 0;
}

// A D1 batch is one transaction: when the vpc_services write fails, its audit row goes with it.
async function runServiceWrite(
  db: D1Database,
  config: VpcServiceConfig,
  statements: D1PreparedStatement[],
): Promise<D1Result[]> {
  try {
    return await db.batch(statements);
  } catch (error) {
    if (isConstraintError(error, "constraint failed: vpc_services.name")) {
      throw new VpcServiceNameTakenError(config.name);
    }
    if (isConstraintError(error, "FOREIGN KEY constraint failed")) {
      throw new TunnelNotFoundError(vpcServiceTunnelId(config));
    }
    throw error;
  }
}

/** A stored service's config as the binding reads it at call time. */
function toVpcService(row: VpcServiceRow): VpcService {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    tunnelId: row.tunnel_id,
    config: JSON.parse(row.config) as VpcServiceConfig,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

import { ApiError, listBody, quoted, successBody } from "@burrow/cf-api";
import {
  appendAudit,
  type ConfigSource,
  deleteTunnelWithRoutes,
  getTunnel,
  getTunnelConfiguration,
  hashSecret,
  listTunnels,
  provisionTunnel,
  putTunnelConfiguration,
  renameTunnel,
  rotateTunnelSecret,
  type Tunnel,
  type TunnelListFilter,
  TunnelNameTakenError,
} from "@burrow/registry";
import type { Context } from "hono";
import { Hono } from "hono";
import { type ApiEnv, requireAccount, requireScope } from "./auth";
import { parseTunnelConfiguration } from "./configuration";
import { objectBody, pagingOf, timeParam, UUID } from "./request";
import { needsSnapshot, presentConnectors, presentTunnel, statusOf } from "./tunnel-presenter";
import { tunnelConnections } from "./tunnel-rpc";
import { credentialsFile, openSecret, sealSecret, secretFrom, tunnelToken } from "./tunnel-secret";
import { zoneClient } from "./zone";

/** `/client/v4/accounts/{account_id}/cfd_tunnel`: Cloudflare's named-tunnel API. */
export const tunnels = new Hono<ApiEnv>();

tunnels.use("*", async (c, next) => {
  requireAccount(c, c.req.param("account_id") ?? "");
  requireScope(c, c.req.method === "GET" ? "tunnels:read" : "tunnels:edit");
  await next();
});

/** Tunnel names are what cloudflared resolves; a UUID-shaped name would shadow a tunnel id. */
function parseName(input: unknown): string {
  if (typeof input !== "string" || input.trim() === "" || input.length > 255) {
    throw new ApiError(400, "validation_failed", "name must be a string of 1-255 characters");
  }
  if (UUID.test(input)) {
    throw new ApiError(400, "validation_failed", `name ${quoted(input)} looks like a tunnel id`);
  }
  return input;
}

function parseConfigSrc(input: unknown): ConfigSource {
  if (input === undefined || input === null) return "local";
  if (input !== "local" && input !== "cloudflare") {
    throw new ApiError(
      400,
      "validation_failed",
      `config_src ${quoted(input)} must be local or cloudflare`,
    );
  }
  return input;
}

function nameTaken(name: string): ApiError {
  return new ApiError(409, "tunnel_name_taken", `a tunnel named ${quoted(name)} already exists`);
}

tunnels.post("/", async (c) => {
  const body = await objectBody(c.req.raw);
  const name = parseName(body.name);
  const secret = secretFrom(body.tunnel_secret);
  const tunnel = {
    id: crypto.randomUUID(),
    accountTag: c.env.ACCOUNT_TAG,
    name,
    kind: "named" as const,
    secretHash: await hashSecret(secret),
    secretSealed: await sealSecret(c.env, secret),
    configSrc: parseConfigSrc(body.config_src),
    createdAt: Date.now(),
  };
  try {
    await provisionTunnel(c.env.DB, null, tunnel);
  } catch (error) {
    if (error instanceof TunnelNameTakenError) throw nameTaken(name);
    throw error;
  }
  const created = await mustGet(c.env.DB, tunnel.id);
  return c.json(
    successBody({
      ...presentTunnel(created, null),
      credentials_file: credentialsFile(tunnel.accountTag, tunnel.id, name, secret),
      token: tunnelToken(tunnel.accountTag, tunnel.id, secret),
    }),
  );
});

tunnels.get("/", async (c) => {
  const q = (name: string) => c.req.query(name);
  const { page, perPage } = pagingOf(q);
  const status = q("status");
  if (status !== undefined && !["inactive", "healthy", "degraded", "down"].includes(status)) {
    throw new ApiError(400, "validation_failed", `status ${quoted(status)} is not a tunnel status`);
  }
  const isDeleted = q("is_deleted");
  const filter: TunnelListFilter = {
    accountTag: c.env.ACCOUNT_TAG,
    name: q("name"),
    id: q("uuid"),
    isDeleted: isDeleted === "true",
    existedAt: timeParam(q("existed_at"), "existed_at"),
    namePrefix: q("include_prefix") ?? q("name_prefix"),
    excludePrefix: q("exclude_prefix"),
    wasActiveAt: timeParam(q("was_active_at"), "was_active_at"),
    wasInactiveAt: timeParam(q("was_inactive_at"), "was_inactive_at"),
  };
  const offset = (page - 1) * perPage;
  let found: Array<{ tunnel: Tunnel; snapshot: Awaited<ReturnType<typeof snapshotOf>> }>;
  let total: number;
  if (status === "healthy" || status === "degraded") {
    // Only the Durable Objects know which connected tunnel is degraded: every connected tunnel of
    // the account is asked (bounded by MAX_PER_PAGE pages of the same query) and paged here.
    const live = await listTunnels(
      c.env.DB,
      { ...filter, presence: "live" },
      { offset: 0, limit: 10_000 },
    );
    const withStatus = await Promise.all(
      live.tunnels.map(async (tunnel) => ({ tunnel, snapshot: await snapshotOf(c.env, tunnel) })),
    );
    const matching = withStatus.filter(
      ({ tunnel, snapshot }) => statusOf(tunnel, snapshot) === status,
    );
    total = matching.length;
    found = matching.slice(offset, offset + perPage);
  } else {
    const presence = status === "inactive" ? "never" : status === "down" ? "idle" : undefined;
    const result = await listTunnels(c.env.DB, { ...filter, presence }, { offset, limit: perPage });
    total = result.totalCount;
    found = await Promise.all(
      result.tunnels.map(async (tunnel) => ({ tunnel, snapshot: await snapshotOf(c.env, tunnel) })),
    );
  }
  const result = found.map(({ tunnel, snapshot }) => presentTunnel(tunnel, snapshot));
  return c.json(
    listBody(result, { page, per_page: perPage, count: result.length, total_count: total }),
  );
});

tunnels.get("/:tunnel_id", async (c) => {
  const tunnel = await tunnelOf(c);
  return c.json(successBody(presentTunnel(tunnel, await snapshotOf(c.env, tunnel))));
});

tunnels.patch("/:tunnel_id", async (c) => {
  const tunnel = await liveTunnelOf(c);
  const body = await objectBody(c.req.raw);
  const now = Date.now();
  if (tunnel.kind === "quick" && (body.name !== undefined || body.tunnel_secret !== undefined)) {
    throw new ApiError(400, "validation_failed", "a quick tunnel cannot be renamed or re-keyed");
  }
  if (body.name !== undefined) {
    const name = parseName(body.name);
    try {
      if (name !== tunnel.name) await renameTunnel(c.env.DB, tunnel.id, name, now);
    } catch (error) {
      if (error instanceof TunnelNameTakenError) throw nameTaken(name);
      throw error;
    }
  }
  if (body.tunnel_secret !== undefined) {
    const secret = secretFrom(body.tunnel_secret);
    await rotateTunnelSecret(
      c.env.DB,
      tunnel.id,
      { hash: await hashSecret(secret), sealed: await sealSecret(c.env, secret) },
      now,
    );
    // New connects already check the new hash; connections made with the old secret go now.
    await tunnelConnections(c.env, tunnel.id).disconnect();
  }
  const updated = await mustGet(c.env.DB, tunnel.id);
  return c.json(successBody(presentTunnel(updated, await snapshotOf(c.env, updated))));
});

tunnels.delete("/:tunnel_id", async (c) => {
  const tunnel = await liveTunnelOf(c);
  const cascade = c.req.query("cascade") === "true";
  const rpc = tunnelConnections(c.env, tunnel.id);
  if (!cascade && (await rpc.connectors()).live.length > 0) {
    throw new ApiError(
      400,
      "tunnel_has_connections",
      "Cannot delete tunnel because it has active connections; clean them up or use cascade=true",
    );
  }
  const removed = await deleteTunnelWithRoutes(c.env.DB, tunnel.id, Date.now());
  if (removed === null) throw notFound(tunnel.id);
  // D1 refuses the tunnel's connectors from here on; the live ones are told it is gone (4410).
  await rpc.disconnect(undefined, true);
  const zone = zoneClient(c.env);
  if (zone) {
    for (const record of removed)
      if (record.zoneRecordId) await zone.deleteRecord(record.zoneRecordId);
  }
  const deleted = await mustGet(c.env.DB, tunnel.id);
  return c.json(successBody(presentTunnel(deleted, null)));
});

tunnels.get("/:tunnel_id/token", async (c) => {
  const tunnel = await liveTunnelOf(c);
  const secret = await openSecret(c.env, tunnel.secretSealed);
  if (!secret) {
    throw new ApiError(
      404,
      "not_found",
      "this tunnel's token was shown once at creation; TUNNEL_SECRET_KEY was not set then",
    );
  }
  return c.json(successBody(tunnelToken(tunnel.accountTag, tunnel.id, secret)));
});

tunnels.get("/:tunnel_id/connections", async (c) => {
  const tunnel = await tunnelOf(c);
  const snapshot = await tunnelConnections(c.env, tunnel.id).connectors();
  return c.json(successBody(presentConnectors(snapshot)));
});

tunnels.delete("/:tunnel_id/connections", async (c) => {
  const tunnel = await tunnelOf(c);
  const clientId = c.req.query("client_id") || undefined;
  // Burrow's extension: `connection_id` cuts one connection as a network fault would (the
  // connector reconnects it, the others keep serving), for fault drills and tests.
  const connectionId = c.req.query("connection_id");
  if (connectionId) {
    const cut = await tunnelConnections(c.env, tunnel.id).cutConnection(connectionId);
    if (!cut) throw new ApiError(404, "not_found", `no live connection ${connectionId}`);
    await appendAudit(c.env.DB, tunnel.id, "Connection cut", { connectionId }, Date.now());
    return c.json(successBody(null));
  }
  const closed = await tunnelConnections(c.env, tunnel.id).disconnect(clientId);
  await appendAudit(
    c.env.DB,
    tunnel.id,
    "Connections cleaned up",
    { clientId: clientId ?? null, closed },
    Date.now(),
  );
  return c.json(successBody(null));
});

tunnels.get("/:tunnel_id/connectors/:connector_id", async (c) => {
  const tunnel = await tunnelOf(c);
  const snapshot = await tunnelConnections(c.env, tunnel.id).connectors();
  const connector = presentConnectors(snapshot).find(
    (entry) => entry.id === c.req.param("connector_id"),
  );
  if (!connector) throw new ApiError(404, "not_found", "no such connector on this tunnel");
  return c.json(successBody(connector));
});

tunnels.get("/:tunnel_id/configurations", async (c) => {
  const tunnel = await tunnelOf(c);
  const stored = await getTunnelConfiguration(c.env.DB, tunnel.id);
  return c.json(successBody(presentConfiguration(tunnel, stored)));
});

tunnels.put("/:tunnel_id/configurations", async (c) => {
  const tunnel = await liveTunnelOf(c);
  if (tunnel.kind === "quick") {
    throw new ApiError(400, "validation_failed", "a quick tunnel takes no remote configuration");
  }
  const config = parseTunnelConfiguration(await objectBody(c.req.raw));
  const stored = await putTunnelConfiguration(c.env.DB, tunnel.id, config, Date.now());
  return c.json(successBody(presentConfiguration(tunnel, stored)));
});

function presentConfiguration(
  tunnel: Tunnel,
  stored: { version: number; config: unknown; createdAt: number } | null,
) {
  return {
    account_id: tunnel.accountTag,
    tunnel_id: tunnel.id,
    version: stored?.version ?? 0,
    config: stored?.config ?? { ingress: [] },
    source: stored ? "cloudflare" : tunnel.configSrc,
    created_at: new Date(stored?.createdAt ?? tunnel.createdAt).toISOString(),
  };
}

/** The DO's connection snapshot, asked only for tunnels D1 says are connected. */
async function snapshotOf(env: Env, tunnel: Tunnel) {
  return needsSnapshot(tunnel) ? tunnelConnections(env, tunnel.id).connectors() : null;
}

function notFound(id: string): ApiError {
  return new ApiError(404, "not_found", `no tunnel ${quoted(id)}`);
}

/** The path's tunnel of this account, deleted ones included; 404 for anything else. */
export async function tunnelOf(c: Context<ApiEnv>): Promise<Tunnel> {
  const id = (c.req.param("tunnel_id") ?? "").toLowerCase();
  if (!UUID.test(id)) throw notFound(id);
  const tunnel = await getTunnel(c.env.DB, id);
  if (!tunnel || tunnel.accountTag !== c.env.ACCOUNT_TAG) throw notFound(id);
  return tunnel;
}

/** As {@link tunnelOf}, refusing a deleted tunnel. */
export async function liveTunnelOf(c: Context<ApiEnv>): Promise<Tunnel> {
  const tunnel = await tunnelOf(c);
  if (tunnel.deletedAt !== null) {
    throw new ApiError(404, "tunnel_deleted", `tunnel ${tunnel.id} was deleted`);
  }
  return tunnel;
}

async function mustGet(db: D1Database, id: string): Promise<Tunnel> {
  const tunnel = await getTunnel(db, id);
  if (!tunnel) throw notFound(id);
  return tunnel;
}

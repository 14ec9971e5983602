import { ApiError, listBody, quoted, successBody } from "@burrow/cf-api";
import {
  createVpcService,
  deleteVpcService,
  getTunnel,
  getVpcService,
  listAccountVpcServices,
  TunnelNotFoundError,
  updateVpcService,
  type VpcService,
  type VpcServiceConfig,
  VpcServiceNameTakenError,
  type VpcServiceType,
  vpcServiceTunnelId,
} from "@burrow/registry";
import { type Context, Hono } from "hono";
import { type ApiEnv, requireAccount, requireScope } from "./auth";
import { objectBody, pagingOf, UUID } from "./request";
import { tunnelConnections } from "./tunnel-rpc";
import { parseServiceConfig } from "./vpc-service-config";

/**
 * `/client/v4/accounts/{account_id}/connectivity/directory/services`: Workers VPC services, as
 * Cloudflare's API and `wrangler vpc service` speak them (create, list, get, PUT update, delete;
 * Cloudflare has no PATCH). A service points at a tunnel of this account, named or quick.
 */
export const vpcServices = new Hono<ApiEnv>();

vpcServices.use("*", async (c, next) => {
  requireAccount(c, c.req.param("account_id") ?? "");
  requireScope(c, c.req.method === "GET" ? "vpc:read" : "vpc:edit");
  await next();
});

vpcServices.post("/", async (c) => {
  const config = parseServiceConfig(await objectBody(c.req.raw));
  await requireTunnel(c, config);
  const service = await store(() =>
    createVpcService(c.env.DB, { id: crypto.randomUUID(), config, createdAt: Date.now() }),
  );
  return c.json(successBody(present(service)), 201);
});

vpcServices.get("/", async (c) => {
  const { page, perPage } = pagingOf((name) => c.req.query(name));
  const type = c.req.query("type");
  if (type !== undefined && type !== "http" && type !== "tcp") {
    throw new ApiError(400, "validation_failed", `type ${quoted(type)} must be http or tcp`);
  }
  const { services, totalCount } = await listAccountVpcServices(c.env.DB, {
    accountTag: c.env.ACCOUNT_TAG,
    type: type as VpcServiceType | undefined,
    limit: perPage,
    offset: (page - 1) * perPage,
  });
  return c.json(
    listBody(services.map(present), {
      page,
      per_page: perPage,
      count: services.length,
      total_count: totalCount,
    }),
  );
});

vpcServices.get("/:service_id", async (c) => {
  const service = await ownService(c);
  return c.json(successBody(present(service)));
});

/**
 * Replaces a service's definition (what `wrangler vpc service update` sends). Burrow also creates
 * the service under this id when there is none (201), so a consumer whose wrangler.toml names a
 * fixed `service_id` can be set up declaratively; ids are UUIDs.
 */
vpcServices.put("/:service_id", async (c) => {
  const id = serviceIdOf(c);
  const config = parseServiceConfig(await objectBody(c.req.raw));
  await requireTunnel(c, config);
  const existing = await getVpcService(c.env.DB, id);
  if (existing) await requireOwnTunnel(c, existing);
  const now = Date.now();
  const updated = existing ? await store(() => updateVpcService(c.env.DB, id, config, now)) : null;
  if (updated) {
    await forgetInBinding(c, id);
    return c.json(successBody(present(updated)));
  }
  const created = await store(() => createVpcService(c.env.DB, { id, config, createdAt: now }));
  await forgetInBinding(c, id);
  return c.json(successBody(present(created)), 201);
});

vpcServices.delete("/:service_id", async (c) => {
  const service = await ownService(c);
  if (!(await deleteVpcService(c.env.DB, service.id, Date.now()))) throw notFound(service.id);
  await forgetInBinding(c, service.id);
  return c.json(successBody({ service_id: service.id }));
});

/** Burrow's own: the DNS cache counters of the service's tunnel (hits, misses, questions). */
vpcServices.get("/:service_id/metrics", async (c) => {
  const service = await ownService(c);
  const dns = await tunnelConnections(c.env, service.tunnelId).vpcStats();
  return c.json(successBody({ service_id: service.id, tunnel_id: service.tunnelId, dns }));
});

/** Cloudflare's service object: the config with its defaults, plus id and timestamps. */
function present(service: VpcService) {
  return {
    service_id: service.id,
    ...service.config,
    created_at: new Date(service.createdAt).toISOString(),
    updated_at: new Date(service.updatedAt).toISOString(),
  };
}

function serviceIdOf(c: Context<ApiEnv>): string {
  const id = c.req.param("service_id") ?? "";
  if (!UUID.test(id)) {
    throw new ApiError(400, "validation_failed", `service id ${quoted(id)} must be a UUID`);
  }
  return id.toLowerCase();
}

/** The service named in the path, or 404 when it is unknown or its tunnel is another account's. */
async function ownService(c: Context<ApiEnv>): Promise<VpcService> {
  const id = c.req.param("service_id") ?? "";
  const service = UUID.test(id) ? await getVpcService(c.env.DB, id.toLowerCase()) : null;
  if (!service) throw notFound(id);
  await requireOwnTunnel(c, service);
  return service;
}

async function requireOwnTunnel(c: Context<ApiEnv>, service: VpcService): Promise<void> {
  const tunnel = await getTunnel(c.env.DB, service.tunnelId);
  // Another account's service is reported as missing: its existence is not this caller's to know.
  if (tunnel?.accountTag !== c.env.ACCOUNT_TAG) throw notFound(service.id);
}

/** The config's tunnel must be a live tunnel of this account (named or quick). */
async function requireTunnel(c: Context<ApiEnv>, config: VpcServiceConfig): Promise<void> {
  const tunnel = await getTunnel(c.env.DB, vpcServiceTunnelId(config));
  if (!tunnel || tunnel.deletedAt !== null || tunnel.accountTag !== c.env.ACCOUNT_TAG) {
    const field =
      "hostname" in config.host ? "host.resolver_network.tunnel_id" : "host.network.tunnel_id";
    throw new ApiError(
      400,
      "validation_failed",
      `${field} names tunnel ${vpcServiceTunnelId(config)}, which does not exist`,
    );
  }
}

/** Runs a registry write, turning its typed errors into API errors. */
async function store<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof VpcServiceNameTakenError) {
      throw new ApiError(
        409,
        "conflict",
        `a VPC service named ${quoted(error.serviceName)} already exists`,
      );
    }
    if (error instanceof TunnelNotFoundError) {
      throw new ApiError(400, "validation_failed", `tunnel ${error.tunnelId} does not exist`);
    }
    throw error;
  }
}

/** The binding Worker's VpcServiceCache entrypoint (workers/binding/src/vpc-service-cache.ts). */
interface VpcServiceCacheRpc {
  forget(serviceId: string): Promise<void>;
}

/**
 * Tells the binding Worker to drop its cached copy of a changed service. This reaches the
 * isolate the call lands in (every one, locally); other isolates refresh within their 5 s cache.
 * Best effort: a deployment without the binding Worker still manages its services.
 */
async function forgetInBinding(c: Context<ApiEnv>, serviceId: string): Promise<void> {
  const cache = c.env.VPC_SERVICE_CACHE as unknown as VpcServiceCacheRpc | undefined;
  try {
    await cache?.forget(serviceId);
  } catch (error) {
    console.warn("api: the binding Worker did not take the cache eviction", error);
  }
}

function notFound(id: string): ApiError {
  return new ApiError(404, "not_found", `no VPC service ${quoted(id)}`);
}

import { ApiError, successBody } from "@burrow/cf-api";
import {
  createVpcService,
  deleteVpcService,
  getTunnel,
  getVpcService,
  listVpcServices,
  TunnelNotFoundError,
  updateVpcService,
  type VpcService,
  type VpcServiceConfig,
  VpcServiceNameTakenError,
  vpcServiceTunnelId,
} from "@burrow/registry";
import { Hono } from "hono";
import { forgetService } from "./service-cache";
import { parseServiceConfig, UUID } from "./service-config";
import { tunnelFor } from "./tunnel-rpc";

/** `/vpc/services`: create, list, get, replace and delete VPC services (bearer ADMIN_TOKEN). */
export const servicesApi = new Hono<{ Bindings: Env }>();

servicesApi.use("*", async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) {
    throw new ApiError(
      401,
      "unauthorized",
      "the management API is closed until the ADMIN_TOKEN secret is set",
    );
  }
  const given = /^Bearer (.+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
  if (!(await tokensMatch(given, expected))) {
    throw new ApiError(401, "unauthorized", "send Authorization: Bearer <ADMIN_TOKEN>");
  }
  await next();
});

servicesApi.post("/", async (c) => {
  const config = parseServiceConfig(await jsonBody(c.req.raw));
  await requireTunnel(c.env.DB, config);
  const service = await store(() =>
    createVpcService(c.env.DB, { id: crypto.randomUUID(), config, createdAt: Date.now() }),
  );
  return c.json(successBody(present(service)), 201);
});

servicesApi.get("/", async (c) => {
  const services = await listVpcServices(c.env.DB);
  return c.json(successBody(services.map(present)));
});

servicesApi.get("/:id", async (c) => {
  const service = await getVpcService(c.env.DB, c.req.param("id"));
  if (!service) throw notFound(c.req.param("id"));
  return c.json(successBody(present(service)));
});

/**
 * Replaces a service's definition, or creates it under this id when there is none, so a consumer
 * whose wrangler.toml names a fixed service_id can be set up declaratively (UUID ids only).
 */
servicesApi.put("/:id", async (c) => {
  const id = c.req.param("id").toLowerCase();
  if (!UUID.test(id)) throw new ApiError(400, "validation_failed", "service id must be a UUID");
  const config = parseServiceConfig(await jsonBody(c.req.raw));
  await requireTunnel(c.env.DB, config);
  const now = Date.now();
  const updated = await store(() => updateVpcService(c.env.DB, id, config, now));
  forgetService(id);
  if (updated) return c.json(successBody(present(updated)));
  const created = await store(() => createVpcService(c.env.DB, { id, config, createdAt: now }));
  return c.json(successBody(present(created)), 201);
});

servicesApi.delete("/:id", async (c) => {
  const id = c.req.param("id");
  const deleted = await deleteVpcService(c.env.DB, id, Date.now());
  forgetService(id);
  if (!deleted) throw notFound(id);
  return c.json(successBody({ service_id: id }));
});

/** The service's tunnel DNS cache counters (hits, misses, questions sent to the connector). */
servicesApi.get("/:id/metrics", async (c) => {
  const service = await getVpcService(c.env.DB, c.req.param("id"));
  if (!service) throw notFound(c.req.param("id"));
  const dns = await tunnelFor(c.env, service.tunnelId).vpcStats();
  return c.json(successBody({ service_id: service.id, tunnel_id: service.tunnelId, dns }));
});

/** The Workers VPC API's shape: the config with its defaults, plus id and timestamps. */
function present(service: VpcService) {
  return {
    service_id: service.id,
    ...service.config,
    created_at: new Date(service.createdAt).toISOString(),
    updated_at: new Date(service.updatedAt).toISOString(),
  };
}

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new ApiError(400, "bad_request", "the body must be a JSON service definition");
  }
}

async function requireTunnel(db: D1Database, config: VpcServiceConfig): Promise<void> {
  const tunnelId = vpcServiceTunnelId(config);
  const tunnel = await getTunnel(db, tunnelId);
  if (!tunnel || tunnel.deletedAt !== null) throw unknownTunnel(config);
}

/** Runs a registry write, turning its typed errors into API errors. */
async function store<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof VpcServiceNameTakenError) {
      throw new ApiError(409, "conflict", `a VPC service named ${error.serviceName} exists`);
    }
    if (error instanceof TunnelNotFoundError) {
      throw new ApiError(400, "validation_failed", `tunnel ${error.tunnelId} does not exist`);
    }
    throw error;
  }
}

function unknownTunnel(config: VpcServiceConfig): ApiError {
  const field =
    "hostname" in config.host ? "host.resolver_network.tunnel_id" : "host.network.tunnel_id";
  return new ApiError(
    400,
    "validation_failed",
    `${field} names tunnel ${vpcServiceTunnelId(config)}, which does not exist`,
  );
}

function notFound(id: string): ApiError {
  return new ApiError(404, "not_found", `no VPC service ${id}`);
}

/** Compares bearer tokens in constant time (by their SHA-256, so lengths may differ). */
async function tokensMatch(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

import { ApiError, quoted, successBody } from "@burrow/cf-api";
import {
  HostnameTakenError,
  listDnsRecords,
  routeHostname,
  unrouteHostname,
} from "@burrow/registry";
import { Hono } from "hono";
import { type ApiEnv, requireScope, requireZone } from "./auth";
import { objectBody } from "./request";
import { liveTunnelOf, tunnelOf } from "./tunnels";
import { zoneClient } from "./zone";

/**
 * `/client/v4/zones/{zone_id}/tunnels/{tunnel_id}/routes`: cloudflared's `tunnel route dns` (PUT),
 * plus Burrow's list (GET) and removal (DELETE `/routes/{hostname}`) of a tunnel's routes.
 */
export const dnsRoutes = new Hono<ApiEnv>();

dnsRoutes.use("*", async (c, next) => {
  requireZone(c, c.req.param("zone_id") ?? "");
  requireScope(c, c.req.method === "GET" ? "tunnels:read" : "dns:edit");
  await next();
});

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A hostname in the deployment's zone, optionally `*.` once at the front. */
function parseHostname(input: unknown, zone: string): string {
  const name = typeof input === "string" ? input.trim().toLowerCase().replace(/\.$/, "") : "";
  const labels = name.split(".");
  const wildcard = labels[0] === "*";
  const valid =
    name.length > 0 &&
    name.length <= 253 &&
    labels.every((label, index) => (index === 0 && wildcard) || LABEL.test(label));
  if (!valid) {
    throw new ApiError(
      400,
      "validation_failed",
      `user_hostname ${quoted(input)} is not a hostname`,
    );
  }
  if (name !== zone && !name.endsWith(`.${zone}`)) {
    throw new ApiError(
      400,
      "validation_failed",
      `user_hostname ${quoted(name)} is not in zone ${zone}`,
    );
  }
  if (wildcard && labels.length < 3) {
    throw new ApiError(
      400,
      "validation_failed",
      "a wildcard route needs a parent below the top level",
    );
  }
  return name;
}

dnsRoutes.put("/", async (c) => {
  const tunnel = await liveTunnelOf(c);
  if (tunnel.kind === "quick") {
    throw new ApiError(
      400,
      "validation_failed",
      "quick tunnels keep their own hostname and cannot be routed",
    );
  }
  const body = await objectBody(c.req.raw);
  if (body.type !== "dns") throw new ApiError(400, "validation_failed", 'type must be "dns"');
  const hostname = parseHostname(body.user_hostname, c.env.ZONE);
  const overwrite = body.overwrite_existing === true;
  try {
    const cname = await routeHostname(
      c.env.DB,
      zoneClient(c.env),
      { tunnelId: tunnel.id, hostname, overwrite, targetSuffix: c.env.TUNNEL_TARGET_SUFFIX },
      Date.now(),
    );
    return c.json(successBody({ cname, name: hostname }));
  } catch (error) {
    if (error instanceof HostnameTakenError) {
      throw new ApiError(
        400,
        "dns_record_exists",
        `An A, AAAA, or CNAME record with that host already exists: ${hostname} routes to another tunnel; set overwrite_existing`,
      );
    }
    throw error;
  }
});

dnsRoutes.get("/", async (c) => {
  const tunnel = await tunnelOf(c);
  const records = await listDnsRecords(c.env.DB, tunnel.id);
  return c.json(
    successBody(
      records.map((record) => ({
        type: "dns",
        name: record.hostname,
        record_type: record.type,
        content: record.content,
        tunnel_id: record.tunnelId,
        zone_record_id: record.zoneRecordId,
        created_at: new Date(record.createdAt).toISOString(),
      })),
    ),
  );
});

dnsRoutes.delete("/:hostname", async (c) => {
  const tunnel = await tunnelOf(c);
  const hostname = c.req.param("hostname").toLowerCase();
  const removed = await unrouteHostname(
    c.env.DB,
    zoneClient(c.env),
    tunnel.id,
    hostname,
    Date.now(),
  );
  if (!removed) throw new ApiError(404, "not_found", `tunnel has no route ${quoted(hostname)}`);
  return c.json(successBody({ name: hostname }));
});

import { connectorRefusal, successBody } from "@burrow/cf-api";
import { checkConnectorCredentials, getTunnelConfiguration } from "@burrow/registry";
import { HANDSHAKE_HEADERS } from "@burrow/wire";
import { Hono } from "hono";
import type { ApiEnv } from "./auth";

/**
 * `GET /client/v4/connector/configuration`: a running connector reads its own tunnel's remote
 * configuration, authenticated as on `/connect` (`X-Burrow-Tunnel-Id` and `Authorization: Bearer
 * <base64 secret>`), because the tunnel token carries no API token. Connectors poll it every few
 * seconds, so it costs two D1 reads by primary key and nothing else. `config_src` tells the
 * connector whether the tunnel is remotely managed at all.
 */
export const connectorConfiguration = new Hono<ApiEnv>();

connectorConfiguration.get("/", async (c) => {
  const check = await checkConnectorCredentials(
    c.env.DB,
    c.req.header(HANDSHAKE_HEADERS.tunnelId) ?? null,
    c.req.header("authorization") ?? null,
  );
  if (!check.ok) throw connectorRefusal(check.reason);
  const tunnel = check.tunnel;
  const stored =
    tunnel.configSrc === "cloudflare" ? await getTunnelConfiguration(c.env.DB, tunnel.id) : null;
  return c.json(
    successBody({
      tunnel_id: tunnel.id,
      config_src: tunnel.configSrc,
      version: stored?.version ?? 0,
      config: stored?.config ?? null,
    }),
  );
});

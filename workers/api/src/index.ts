import { ApiError, envelopeResponse, errorResponse, failureBody } from "@burrow/cf-api";
import { Hono } from "hono";
import { accounts } from "./accounts";
import { auditLogs } from "./audit-logs";
import { type ApiEnv, authenticate } from "./auth";
import { connectorConfiguration } from "./connector-configuration";
import { dnsRoutes } from "./dns-routes";
import { tokens } from "./tokens";
import { tunnelRequests } from "./tunnel-requests";
import { tunnels } from "./tunnels";
import { vpcServices } from "./vpc-services";

/**
 * The management API under /client/v4, reached from the edge's apex through its API service
 * binding. One router per resource; one onError and notFound answer in Cloudflare's envelope with
 * Content-Type exactly application/json, which is all cloudflared parses.
 */
const app = new Hono<ApiEnv>().basePath("/client/v4");

// Connectors authenticate with their tunnel id and secret, not an API token: mounted before the
// API-token middleware, which it answers ahead of.
app.route("/connector/configuration", connectorConfiguration);
app.use("*", authenticate);
app.route("/", accounts);
app.route("/accounts/:account_id/tokens", tokens);
app.route("/accounts/:account_id/audit_logs", auditLogs);
app.route("/accounts/:account_id/cfd_tunnel/:tunnel_id", tunnelRequests);
app.route("/accounts/:account_id/cfd_tunnel", tunnels);
app.route("/zones/:zone_id/tunnels/:tunnel_id/routes", dnsRoutes);
app.route("/accounts/:account_id/connectivity/directory/services", vpcServices);

app.notFound(() => {
  const error = new ApiError(404, "not_found", "no such endpoint under /client/v4");
  return envelopeResponse(failureBody([error.detail]), 404);
});

app.onError((error) => errorResponse(error, "api"));

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;

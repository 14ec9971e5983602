import { ApiError, quoted, successBody } from "@burrow/cf-api";
import type { LoggedRequest, TrafficMinute } from "@burrow/tunnel-contract";
import { Hono } from "hono";
import { type ApiEnv, requireAccount, requireScope } from "./auth";
import { objectBody } from "./request";
import { tunnelConnections } from "./tunnel-rpc";
import { liveTunnelOf } from "./tunnels";

/**
 * `/client/v4/accounts/{account_id}/cfd_tunnel/{tunnel_id}/requests` and `/traffic`: a Burrow
 * extension (Cloudflare has no such route) over the Tunnel DO's request log. Reading takes
 * tunnels:read; turning body capture on or off takes tunnels:edit. Header values that carry
 * credentials are redacted in the DO before they are written, so nothing here can leak them.
 */
export const tunnelRequests = new Hono<ApiEnv>();

/** The most entries one call answers; the DO's own bound (REQUEST_LOG_MAX_ENTRIES) also caps it. */
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
/** The traffic chart covers at most a day, a minute per point. */
const MAX_MINUTES = 24 * 60;

tunnelRequests.use("*", async (c, next) => {
  requireAccount(c, c.req.param("account_id") ?? "");
  requireScope(c, c.req.method === "GET" ? "tunnels:read" : "tunnels:edit");
  await next();
});

/** A positive integer query parameter, or undefined when absent; 400 otherwise. */
function countParam(raw: string | undefined, field: string, max: number): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ApiError(
      400,
      "validation_failed",
      `${field} ${quoted(raw)} must be an integer from 1 to ${max}`,
    );
  }
  return value;
}

tunnelRequests.get("/requests", async (c) => {
  const tunnel = await liveTunnelOf(c);
  const limit = countParam(c.req.query("limit"), "limit", MAX_LIMIT) ?? DEFAULT_LIMIT;
  const before = countParam(c.req.query("before"), "before", Number.MAX_SAFE_INTEGER);
  const after = countParam(c.req.query("after"), "after", Number.MAX_SAFE_INTEGER);
  const page = await tunnelConnections(c.env, tunnel.id).requests({ limit, before, after });
  return c.json(
    successBody({
      capture_enabled: page.capture,
      requests: page.entries.map(presentRequest),
      // Pass as ?before= for the next (older) page; null when this page was the last.
      next_before: page.entries.length === limit ? (page.entries.at(-1)?.id ?? null) : null,
    }),
  );
});

tunnelRequests.put("/requests/capture", async (c) => {
  const tunnel = await liveTunnelOf(c);
  const body = await objectBody(c.req.raw);
  if (typeof body.enabled !== "boolean") {
    throw new ApiError(400, "validation_failed", "enabled must be true or false");
  }
  const enabled = await tunnelConnections(c.env, tunnel.id).setCapture(body.enabled);
  return c.json(successBody({ capture_enabled: enabled }));
});

tunnelRequests.get("/traffic", async (c) => {
  const tunnel = await liveTunnelOf(c);
  const minutes = countParam(c.req.query("minutes"), "minutes", MAX_MINUTES) ?? 60;
  const rows = await tunnelConnections(c.env, tunnel.id).traffic(minutes);
  return c.json(successBody({ minutes, per_minute: rows.map(presentMinute) }));
});

function presentRequest(entry: LoggedRequest) {
  return {
    id: String(entry.id),
    at: new Date(entry.at).toISOString(),
    method: entry.method,
    path: entry.path,
    status: entry.status,
    duration_ms: entry.durationMs,
    request_bytes: entry.requestBytes,
    response_bytes: entry.responseBytes,
    client_ip: entry.clientIp,
    conn_index: entry.connIndex,
    error: entry.error,
    request_headers: entry.requestHeaders,
    response_headers: entry.responseHeaders,
    request_body: entry.requestBody,
    response_body: entry.responseBody,
    body_truncated: entry.bodyTruncated,
  };
}

function presentMinute(row: TrafficMinute) {
  return {
    minute: new Date(row.minute).toISOString(),
    requests: row.requests,
    status_2xx: row.status2xx,
    status_3xx: row.status3xx,
    status_4xx: row.status4xx,
    status_5xx: row.status5xx,
    p50_ms: row.p50Ms,
    p99_ms: row.p99Ms,
  };
}

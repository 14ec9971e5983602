import { ApiError, errorResponse, failureBody, successBody } from "@burrow/cf-api";
import {
  ConnectionPicker,
  connectionIdOf,
  connectionObjectName,
  TUNNEL_FETCH_HEADERS,
  type TunnelOperation,
} from "@burrow/tunnel-contract";
import { CONNECT_PATH, HANDSHAKE_HEADERS } from "@burrow/wire";
import { Hono } from "hono";
import { clientKey } from "./connection/admission";
import { authenticateConnector } from "./connector-auth";
import { ConnectorLoginLimit } from "./connector-login-limit";
import { PUBLIC_ERRORS, publicError } from "./error-page";
import { headersFit, INTERNAL_HEADER_PREFIX } from "./forwarded-headers";
import { forgetRoute, routeFor } from "./hostname-routes";
import { connectionNominated, isHost, requestHeadProblem } from "./request-head";
import { type SocketPollGate, socketPollGate } from "./socket-poll";

export { TunnelConnection } from "./connection/tunnel-connection";
export { Tunnel } from "./tunnel/tunnel";

/**
 * The edge's own endpoints, on any host that is not a tunnel hostname (the zone apex,
 * 127.0.0.1, localhost): minting is forwarded to the quick-tunnel Worker, connectors attach here.
 */
const apex = new Hono<{ Bindings: Env }>();
const loginLimit = new ConnectorLoginLimit();

apex.get("/", (c) =>
  c.json(successBody({ service: "burrow-edge", mint: "POST /tunnel", connect: "GET /connect" })),
);

apex.all("/tunnel", (c) => c.env.QUICK_TUNNEL.fetch(c.req.raw));

// The Cloudflare-v4-shaped management API (workers/api): named tunnels, routes, tokens, VPC.
apex.all("/client/v4/*", (c) => c.env.API.fetch(c.req.raw));
// The operator's dashboard: static assets of the API Worker, same origin as /client/v4.
apex.all("/dashboard*", (c) => c.env.API.fetch(c.req.raw));

apex.get(CONNECT_PATH, async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "bad_request", "connect with a WebSocket upgrade");
  }
  const address = clientKey(visitorIp(c.req.raw, c.env));
  const refusedFor = loginLimit.refusedFor(address, Date.now());
  if (refusedFor > 0) {
    throw new ApiError(
      429,
      "rate_limited",
      `too many failed connector logins from this address; retry in ${refusedFor} s`,
      { "retry-after": String(refusedFor) },
    );
  }
  const tunnel = await authenticateConnector(c.env.DB, c.req.raw).catch(async (error) => {
    if (error instanceof ApiError && error.status === 401) {
      await loginLimit.failed(c.env.CONNECT_FAILURE_RATE_LIMIT, address, Date.now());
    }
    throw error;
  });
  const header = (name: string) => c.req.header(name) ?? "";
  const tunnelObject = c.env.TUNNEL.getByName(tunnel.id);
  const admitted = await tunnelObject.admitConnection({
    tunnelId: tunnel.id,
    connectorId: header(HANDSHAKE_HEADERS.connectorId),
    version: header(HANDSHAKE_HEADERS.version),
    arch: header(HANDSHAKE_HEADERS.arch),
    connIndex: Number(header(HANDSHAKE_HEADERS.connIndex)) || 0,
    originIp: header("cf-connecting-ip"),
    colo: (c.req.raw.cf as { colo?: string } | undefined)?.colo ?? "",
  });
  if (!admitted.ok && admitted.status === 410) {
    throw new ApiError(410, "tunnel_deleted", "this tunnel was deleted");
  }
  if (!admitted.ok) throw new ApiError(429, "rate_limited", admitted.error);
  const { record } = admitted;
  const headers = new Headers(c.req.raw.headers);
  headers.delete("authorization");
  headers.set(TUNNEL_FETCH_HEADERS.operation, "connect" satisfies TunnelOperation);
  headers.set(TUNNEL_FETCH_HEADERS.connectionRecord, JSON.stringify(record));
  // The connection's own object, created here and so placed near the connector that dialled.
  const connection = c.env.TUNNEL_CONNECTION.getByName(
    connectionObjectName(tunnel.id, record.connectionId),
  );
  const answer = await connection
    .fetch(new Request(c.req.url, { headers }))
    .catch(async (error) => {
      await tunnelObject.connectionClosed(record.connectionId, false);
      throw error;
    });
  // An upgrade that never completed leaves nothing to reconnect: not remembered as a drop.
  if (answer.status !== 101) await tunnelObject.connectionClosed(record.connectionId, false);
  return answer;
});

apex.notFound(() => {
  const error = new ApiError(404, "not_found", "no such endpoint");
  return Response.json(failureBody([error.detail]), { status: 404 });
});

apex.onError((error) => errorResponse(error, "edge"));

/** Hosts that reach the edge's own endpoints rather than a tunnel. */
function isApex(hostname: string, zone: string): boolean {
  return (
    hostname === zone ||
    hostname === "127.0.0.1" ||
    hostname === "[::1]" ||
    hostname === "localhost"
  );
}

/** The header and number of the DO's "no connector" page (error-page.ts). */
const ERROR_NUMBER_HEADER = "x-burrow-error";
const NO_CONNECTOR = String(PUBLIC_ERRORS.no_connector.number);
const TUNNEL_DELETED = String(PUBLIC_ERRORS.tunnel_deleted.number);

let picker: ConnectionPicker | null = null;
/**
 * Connection objects' ids by name: `getByName` hashes the name on every call, which a profile of
 * the edge isolate showed among the costs of each request; an id is a plain value and keeps.
 */
const connectionIds = new Map<string, DurableObjectId>();
const MAX_CONNECTION_IDS = 10_000;

function connectionObjectId(env: Env, objectName: string): DurableObjectId {
  let id = connectionIds.get(objectName);
  if (!id) {
    if (connectionIds.size >= MAX_CONNECTION_IDS) connectionIds.clear();
    id = env.TUNNEL_CONNECTION.idFromName(objectName);
    connectionIds.set(objectName, id);
  }
  return id;
}

/** This isolate's cache of each tunnel's connections (the env is the same for every request). */
function connectionPicker(env: Env): ConnectionPicker {
  picker ??= new ConnectionPicker((tunnelId) => env.TUNNEL.getByName(tunnelId).routes());
  return picker;
}

/** Carries a visitor's request to a connection of the tunnel that serves its hostname. */
async function forwardToTunnel(request: Request, env: Env, hostname: string): Promise<Response> {
  const problem = requestHeadProblem(request);
  if (problem) {
    // The reason is for the operator; the visitor gets the generic 400 page, nothing echoed.
    console.log(`refused a request head for ${hostname}: ${problem}`);
    return publicError("bad_request", request);
  }
  const route = await routeFor(env.DB, env.ZONE, hostname);
  if (!route) return publicError("unknown_host", request);
  if (!headersFit(request.headers)) return publicError("headers_too_large", request);
  const headers = new Headers();
  // Headers the visitor's Connection names belong to its connection to us (RFC 9110 §7.6.1).
  const nominated = connectionNominated(request.headers.get("connection"));
  for (const [name, value] of request.headers) {
    // Visitors must never steer the DO with internal headers.
    if (name.startsWith(INTERNAL_HEADER_PREFIX)) continue;
    // The DO still needs Host, and Upgrade to see a WebSocket; it drops both as hop-by-hop later.
    if (nominated.has(name) && name !== "host" && name !== "upgrade") continue;
    headers.append(name, value);
  }
  headers.set(TUNNEL_FETCH_HEADERS.operation, "forward" satisfies TunnelOperation);
  headers.set(HANDSHAKE_HEADERS.tunnelId, route.tunnelId);
  headers.set(TUNNEL_FETCH_HEADERS.tunnelKind, route.kind);
  const clientIp = visitorIp(request, env);
  headers.set(TUNNEL_FETCH_HEADERS.clientIp, clientIp);
  // Origins behind cloudflared read the visitor from CF-Connecting-IP, which Cloudflare's front
  // line sets on every request; only the local edge has to add it.
  if (clientIp && !request.headers.has("cf-connecting-ip"))
    headers.set("cf-connecting-ip", clientIp);
  // Straight to one of the tunnel's connection objects; the Tunnel DO only when none is listed.
  const connection = await connectionPicker(env).pick(route.tunnelId);
  if (connection) headers.set(TUNNEL_FETCH_HEADERS.triedConnections, connectionIdOf(connection));
  const forwarded = new Request(request.url, {
    method: request.method,
    headers,
    body: request.body,
    redirect: "manual",
  });
  const response = await (connection
    ? env.TUNNEL_CONNECTION.get(connectionObjectId(env, connection))
    : env.TUNNEL.getByName(route.tunnelId)
  ).fetch(forwarded);
  const errorNumber = response.headers.get(ERROR_NUMBER_HEADER);
  // The Tunnel DO found the tunnel deleted (tunnel/deletion-check.ts): its route goes too.
  if (errorNumber === TUNNEL_DELETED) forgetRoute(hostname);
  // A listed connection that could not take the request: ask for a fresh list next time. An empty
  // list is not asked for again before it expires; the Tunnel DO serves meanwhile (a connector
  // that comes back is reached through it), and a visitor flooding a tunnel whose connector is
  // gone does not cost the Tunnel DO a `routes()` call per request.
  else if (errorNumber === NO_CONNECTOR && connection) connectionPicker(env).forget(route.tunnelId);
  return response;
}

/** The visitor's address: Cloudflare's `CF-Connecting-IP`, or the local edge's one peer. */
function visitorIp(request: Request, env: Env): string {
  return request.headers.get("cf-connecting-ip") ?? env.LOCAL_PEER_IP ?? "";
}

/**
 * The apex request as the edge's own endpoints and the Workers behind them read it: with the
 * visitor's address in `CF-Connecting-IP` (the quick-tunnel Worker rate-limits mints by it, the
 * connection directory records a connector's). Deployed, Cloudflare has set it already.
 */
function withVisitorIp(request: Request, env: Env): Request {
  if (request.headers.has("cf-connecting-ip") || !env.LOCAL_PEER_IP) return request;
  const headers = new Headers(request.headers);
  headers.set("cf-connecting-ip", env.LOCAL_PEER_IP);
  return new Request(request, { headers });
}

/**
 * Splits the Host header into a lowercase hostname without the port; null when Host is not a
 * host (RFC 9110 §7.2), which the visitor learns as a 400 rather than a bare 500.
 */
function hostnameOf(request: Request): string | null {
  const header = request.headers.get("host");
  if (header !== null && !isHost(header)) return null;
  let host: string;
  try {
    host = (header ?? new URL(request.url).host).toLowerCase();
  } catch {
    return null;
  }
  return host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
}

/** This isolate's socket-poll gate (socket-poll.ts); undefined until the first request reads env. */
let pollGate: SocketPollGate | null | undefined;

export default {
  async fetch(request, env, ctx) {
    if (pollGate === undefined) pollGate = socketPollGate(env.LOCAL_SOCKET_POLL_MS);
    await pollGate?.wait();
    const hostname = hostnameOf(request);
    if (hostname === null) return publicError("bad_request", request);
    if (isApex(hostname, env.ZONE)) return apex.fetch(withVisitorIp(request, env), env, ctx);
    return forwardToTunnel(request, env, hostname);
  },
} satisfies ExportedHandler<Env>;

import { ApiError, errorResponse, failureBody, successBody } from "@burrow/cf-api";
import { Hono } from "hono";
import { CONNECT_HEADERS } from "./connection";
import { authenticateConnector } from "./connector-auth";
import { PUBLIC_ERRORS, publicError } from "./error-page";
import { headersFit, INTERNAL_HEADER_PREFIX } from "./forwarded-headers";
import { forgetRoute, routeFor } from "./hostname-routes";
import { CLIENT_IP_HEADER, OPERATION_HEADER } from "./tunnel";

export { Tunnel } from "./tunnel";

/**
 * The edge's own endpoints, on any host that is not a tunnel hostname (the zone apex,
 * 127.0.0.1, localhost): minting is forwarded to the quick-tunnel Worker, connectors attach here.
 */
const apex = new Hono<{ Bindings: Env }>();

apex.get("/", (c) =>
  c.json(successBody({ service: "burrow-edge", mint: "POST /tunnel", connect: "GET /connect" })),
);

apex.all("/tunnel", (c) => c.env.QUICK_TUNNEL.fetch(c.req.raw));

// VPC services management (create, list, get, update, delete), served by the binding Worker.
apex.all("/vpc/*", (c) => c.env.VPC_ADMIN.fetch(c.req.raw));

apex.get("/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "bad_request", "connect with a WebSocket upgrade");
  }
  const tunnel = await authenticateConnector(c.env.DB, c.req.raw);
  const headers = new Headers(c.req.raw.headers);
  headers.delete("authorization");
  headers.set(OPERATION_HEADER, "connect");
  headers.set(CONNECT_HEADERS.tunnelId, tunnel.id);
  headers.set(CONNECT_HEADERS.tunnelKind, tunnel.kind);
  headers.set(CONNECT_HEADERS.originIp, c.req.header("cf-connecting-ip") ?? "");
  const colo = (c.req.raw.cf as { colo?: string } | undefined)?.colo;
  if (colo) headers.set(CONNECT_HEADERS.colo, colo);
  const stub = c.env.TUNNEL.getByName(tunnel.id);
  const answer = await stub.fetch(new Request(c.req.url, { headers }));
  if (answer.status === 410) throw new ApiError(410, "tunnel_deleted", "this tunnel was deleted");
  if (answer.status === 429) throw new ApiError(429, "rate_limited", "too many connections");
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

/** Carries a visitor's request to the Tunnel DO that serves its hostname. */
async function forwardToTunnel(request: Request, env: Env, hostname: string): Promise<Response> {
  const route = await routeFor(env.DB, env.ZONE, hostname);
  if (!route) return publicError("unknown_host", request);
  if (!headersFit(request.headers)) return publicError("headers_too_large", request);
  const headers = new Headers();
  for (const [name, value] of request.headers) {
    // Visitors must never steer the DO with internal headers.
    if (!name.startsWith(INTERNAL_HEADER_PREFIX)) headers.append(name, value);
  }
  headers.set(OPERATION_HEADER, "forward");
  headers.set(CONNECT_HEADERS.tunnelId, route.tunnelId);
  headers.set(CONNECT_HEADERS.tunnelKind, route.kind);
  headers.set(CLIENT_IP_HEADER, request.headers.get("cf-connecting-ip") ?? "");
  const forwarded = new Request(request.url, {
    method: request.method,
    headers,
    body: request.body,
    redirect: "manual",
  });
  const response = await env.TUNNEL.getByName(route.tunnelId).fetch(forwarded);
  // A reaped tunnel's Durable Object resets itself once its storage is erased (tunnel.ts `erase`),
  // so while this isolate still caches the route a fresh instance answers "no connector"; the
  // registry tells whether the tunnel is gone, which visitors then learn at once.
  if (route.kind === "quick" && response.headers.get(ERROR_NUMBER_HEADER) === NO_CONNECTOR) {
    forgetRoute(hostname);
    if (!(await routeFor(env.DB, env.ZONE, hostname))) {
      await response.body?.cancel();
      return publicError("tunnel_deleted", request);
    }
  }
  return response;
}

/** Splits the Host header into a lowercase hostname without the port. */
function hostnameOf(request: Request): string {
  const host = (request.headers.get("host") ?? new URL(request.url).host).toLowerCase();
  return host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d+$/, "");
}

export default {
  async fetch(request, env, ctx) {
    const hostname = hostnameOf(request);
    if (isApex(hostname, env.ZONE)) return apex.fetch(request, env, ctx);
    return forwardToTunnel(request, env, hostname);
  },
} satisfies ExportedHandler<Env>;

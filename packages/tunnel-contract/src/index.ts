/**
 * @burrow/tunnel-contract: what the Tunnel Durable Object (workers/edge/src/tunnel/) offers the
 * Workers that call it. `class Tunnel implements TunnelRpc`, and every caller reaches it through
 * {@link tunnelStub}, so a method dropped or changed on either side fails the typecheck of both.
 */
import type { CertVerification } from "@burrow/wire";
import type { TunnelRoutes } from "./connection-routes";

export {
  CONNECTION_GONE,
  ConnectionPicker,
  connectionIdOf,
  connectionObjectName,
  isConnectionGone,
  type TunnelRoutes,
} from "./connection-routes";
export { MAX_REPLAY_BODY_BYTES, replayableRequest } from "./replayable-request";

/**
 * Where a VPC service request goes, decided by the binding Worker from the service's config and
 * never from the caller's URL: the connector dials `port` on the resolved address, nothing else.
 */
export interface VpcRoute {
  serviceId: string;
  serviceName: string;
  host: { hostname: string; resolverIps: string[] } | { addresses: string[] };
  port: number;
  tls: boolean;
  /** Host header, TLS SNI and certificate name: the caller URL's hostname. */
  serverName: string;
  /** The service's `tls_settings.cert_verification_mode`: full, ca (chain only) or none. */
  certVerification: CertVerification;
}

/** The Tunnel DO's VPC DNS cache counters, as `vpcStats()` reports them. */
export interface DnsCacheStats {
  hits: number;
  misses: number;
  /** Questions actually sent to a connector (misses minus deduplicated ones). */
  questions: number;
  entries: number;
}

/**
 * What the Tunnel DO remembers about one connector WebSocket. It lives in the socket's attachment
 * (≤ 16 KiB) so it survives hibernation, which wipes everything in memory.
 */
export interface ConnectionRecord {
  tunnelId: string;
  connectionId: string;
  connectorId: string;
  version: string;
  arch: string;
  connIndex: number;
  originIp: string;
  colo: string;
  /** Milliseconds since the epoch. */
  openedAt: number;
  features: string[];
  /** Set once the connector said `hello`; only registered connections carry visitor traffic. */
  registered: boolean;
  /** Set by a `goAway` from the connector: finish what runs, start nothing new here. */
  draining: boolean;
  /**
   * The remote configuration version the connector routes by, from `hello` and then each
   * `configApplied`; 0 when locally managed. Absent in records of an older build.
   */
  configVersion?: number;
  /**
   * Visitor requests this connection's object has taken since it started (in memory): shows
   * how the edge spreads a tunnel's traffic. Present in `connections()`, absent in stored copies.
   */
  servedRequests?: number;
}

/** A connection that closed recently, as the management API lists it. */
export interface DroppedConnection extends ConnectionRecord {
  /** Milliseconds since the epoch. */
  droppedAt: number;
}

/** What `connectors()` answers: live connections and the recently dropped ones. */
export interface ConnectorSnapshot {
  live: ConnectionRecord[];
  dropped: DroppedConnection[];
}

/** One visitor request as the Tunnel DO's request log keeps it (workers/edge/src/tunnel/request-log.ts). */
export interface LoggedRequest {
  /** Increasing per tunnel: the list's cursor (`before`, `after`). */
  id: number;
  /** When the request reached the Tunnel DO, milliseconds since the epoch. */
  at: number;
  method: string;
  /** Path and query, secret-looking query values redacted, at most 2,048 characters. */
  path: string;
  status: number;
  durationMs: number;
  /** Body bytes sent to the origin and answered to the visitor. */
  requestBytes: number;
  responseBytes: number;
  clientIp: string;
  /** The connector connection (0-3) that carried it; null when none did. */
  connIndex: number | null;
  /** The x-burrow-error number of the edge's error page; null when the origin answered. */
  error: number | null;
  /**
   * Each `[name, value]` (a tuple type does not survive RPC's typing); values of Authorization,
   * Cookie and the like are replaced by "[redacted]".
   */
  requestHeaders: string[][];
  responseHeaders: string[][];
  /** Only with capture on: the first 10 KiB of each body as UTF-8 text; null otherwise. */
  requestBody: string | null;
  responseBody: string | null;
  /** Whether a captured body was longer than what was kept. */
  bodyTruncated: boolean;
}

/** What `requests()` answers: entries newest first, and whether body capture is on. */
export interface RequestLogPage {
  capture: boolean;
  entries: LoggedRequest[];
}

/** Which entries `requests()` answers: at most `limit`, older than `before` or newer than `after`. */
export interface RequestLogQuery {
  limit: number;
  before?: number;
  after?: number;
}

/** One minute of traffic, computed from the request log. */
export interface TrafficMinute {
  /** Start of the minute, milliseconds since the epoch. */
  minute: number;
  requests: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  /** Nearest-rank percentiles of the minute's durations. */
  p50Ms: number;
  p99Ms: number;
}

/** The RPC methods of the Tunnel Durable Object, one object per tunnel id. */
export interface TunnelRpc extends Rpc.DurableObjectBranded {
  /**
   * Carries a VPC service request from the binding Worker to a connector started with `--vpc`.
   * Throws, as Workers VPC does, when no connector, address or connection is available.
   */
  fetchService(request: Request, route: VpcRoute): Promise<Response>;
  /** The connections callers may send traffic to (ConnectionPicker caches it for 2 s). */
  routes(): Promise<TunnelRoutes>;
  /** VPC DNS cache counters (hits, misses, questions asked), for metrics. */
  vpcStats(): Promise<DnsCacheStats>;
  /** The live connections, for operators and tests. */
  connections(): Promise<ConnectionRecord[]>;
  /** Live connections and those dropped within the last minutes, for the management API. */
  connectors(): Promise<ConnectorSnapshot>;
  /**
   * Closes the live connections of one connector, or all when `connectorId` is undefined, and
   * forgets their drops. `tunnelDeleted` closes with 4410 (wire's CLOSE_CODES.tunnelDeleted).
   * Returns how many connections were closed.
   */
  disconnect(connectorId?: string, tunnelDeleted?: boolean): Promise<number>;
  /**
   * Cuts one connection by its id, as a network fault would: its streams fail at once, the drop
   * is remembered (the connector is pending reconnect) and the connector reconnects it with
   * backoff while its other connections serve. False when no live connection has that id.
   */
  cutConnection(connectionId: string): Promise<boolean>;
  /**
   * The reaper's claim on an idle tunnel: false, changing nothing, when a connector is attached,
   * attaching, or was active at or after `inactiveBefore`; otherwise refuses new connections
   * with 410 from now on and answers true (again true on a tunnel already claimed).
   */
  reap(inactiveBefore: number): Promise<boolean>;
  /** Calls off a claim from `reap` (the zone record could not be deleted): connections resume. */
  spare(): Promise<void>;
  /**
   * Deletes the object's storage after the registry deleted the tunnel, then resets the object
   * so it stops holding memory: it succeeds by rejecting with ERASED_ABORT_REASON (isErasedAbort).
   */
  erase(): Promise<void>;
  /** The request log, newest first (see {@link RequestLogQuery}). */
  requests(query: RequestLogQuery): Promise<RequestLogPage>;
  /** Turns body capture (10 KiB per body) on or off for this tunnel; answers the new state. */
  setCapture(enabled: boolean): Promise<boolean>;
  /** Requests per minute, status classes and p50/p99 over the last `minutes`, oldest first. */
  traffic(minutes: number): Promise<TrafficMinute[]>;
}

/**
 * What callers reach on one connection object, which holds one connector connection
 * (workers/edge/src/connection/tunnel-connection.ts). A VPC call goes through its `fetch` hook
 * ({@link fetchServiceOn}), not an RPC method.
 */
export interface TunnelConnectionRpc extends Rpc.DurableObjectBranded {}

/**
 * Sends a VPC service request to one connection object: DNS through the tunnel's cache, then each
 * address. The object throws CONNECTION_GONE, before reading the body, when it holds no VPC
 * connection. Through the object's `fetch` with the route in a header rather than an RPC method
 * taking the Request: the same call measured 0.09–0.13 ms faster per call (an RPC answering a
 * Response costs more than a fetch; scripts/bench/README.md, session 6). The route is set here,
 * over any header of that name the caller sent, and the object reads it only on `vpc` calls.
 */
export function fetchServiceOn(
  stub: { fetch(request: Request): Promise<Response> },
  request: Request,
  route: VpcRoute,
): Promise<Response> {
  const headers = new Headers(request.headers);
  headers.set(TUNNEL_FETCH_HEADERS.operation, "vpc" satisfies TunnelOperation);
  headers.set(TUNNEL_FETCH_HEADERS.vpcRoute, JSON.stringify(route));
  return stub.fetch(
    new Request(request.url, { method: request.method, headers, body: request.body }),
  );
}

/** The route {@link fetchServiceOn} sent with a `vpc` call. */
export function vpcRouteOf(request: Request): VpcRoute {
  const route = request.headers.get(TUNNEL_FETCH_HEADERS.vpcRoute);
  if (route === null) throw new Error("a vpc call without its route");
  return JSON.parse(route) as VpcRoute;
}

/** The connection object `objectName` (connectionObjectName), typed by the contract. */
export function connectionStub(
  namespace: DurableObjectNamespace<TunnelConnectionRpc> | DurableObjectNamespace,
  objectName: string,
): DurableObjectStub<TunnelConnectionRpc> {
  return (namespace as DurableObjectNamespace<TunnelConnectionRpc>).getByName(objectName);
}

/** The message `erase` rejects with once the storage is gone. */
export const ERASED_ABORT_REASON = "burrow: tunnel erased";

/** True when `erase` rejected only because it reset its object after deleting the storage. */
export function isErasedAbort(error: unknown): boolean {
  return error instanceof Error && error.message.includes(ERASED_ABORT_REASON);
}

/**
 * The Tunnel DO of `tunnelId`, typed by the contract. The other Workers bind the namespace with
 * `script_name = "burrow-edge"`, which `wrangler types` can only type as a bare namespace (the
 * class lives in another Worker); this is the one place that says what it holds.
 */
export function tunnelStub(
  namespace: DurableObjectNamespace<TunnelRpc> | DurableObjectNamespace,
  tunnelId: string,
): DurableObjectStub<TunnelRpc> {
  return (namespace as DurableObjectNamespace<TunnelRpc>).getByName(tunnelId);
}

/**
 * The Tunnel DO's `fetch` hook serves two operations, named in {@link TUNNEL_FETCH_HEADERS}
 * `operation`: a connector's WebSocket upgrade (`connect`) and a visitor request (`forward`); a
 * connection object's serves those and a VPC service call (`vpc`, {@link fetchServiceOn}).
 */
export type TunnelOperation = "connect" | "forward" | "vpc";

/**
 * Headers the edge Worker sets on requests to the DO's `fetch` (and strips from visitors, who
 * must never steer the DO); the tunnel id travels in wire's HANDSHAKE_HEADERS.tunnelId.
 */
export const TUNNEL_FETCH_HEADERS = {
  operation: "x-burrow-operation",
  /** The tunnel's kind from the registry: `quick` tunnels get the tighter in-flight caps. */
  tunnelKind: "x-burrow-tunnel-kind",
  /** The visitor's IP (CF-Connecting-IP), which fair share keys on. */
  clientIp: "x-burrow-client-ip",
  /** The connector's IP and the edge's colo, recorded with the connection. */
  originIp: "x-burrow-origin-ip",
  colo: "x-burrow-colo",
  /**
   * The connections a visitor request was sent to so far, comma-separated, the current one last
   * (the edge names the one it picked). A connection object that cannot carry the request hands
   * it back to the Tunnel DO, which sends it to a connection not named here.
   */
  triedConnections: "x-burrow-tried-connections",
  /**
   * Set by a connection object on a request it hands back after its connection failed it: when
   * no other connection is left, the Tunnel DO answers a bare 1033 and that object its own error.
   */
  retry: "x-burrow-retry",
  /** The ConnectionRecord (JSON) the Tunnel DO admitted, on the upgrade to its connection object. */
  connectionRecord: "x-burrow-connection-record",
  /** The VpcRoute (JSON) of a `vpc` call, set by the binding Worker or the Tunnel DO. */
  vpcRoute: "x-burrow-vpc-route",
} as const;

import { TUNNEL_FETCH_HEADERS } from "@burrow/tunnel-contract";
import { ResetCode } from "@burrow/wire";
import { PUBLIC_ERRORS, publicError } from "../error-page";
import { headersForOrigin } from "../forwarded-headers";
import { triedConnections } from "../tunnel/relay";
import type { Admission } from "./admission";
import type { ConnectorSockets } from "./connector-sockets";
import { type Attempt, streamHttp } from "./http-proxy";
import { NO_BODY, streamedBody } from "./request-body";
import { beginTrace, type LogSink, type Trace } from "./request-trace";
import { ConnectorUnresponsive, type StreamFailure } from "./stream-failure";
import type { StreamTable } from "./stream-table";

/** The parts of a connection object a visitor's request goes through, top to bottom. */
export interface PublicPath {
  env: Env;
  ctx: DurableObjectState;
  sockets: ConnectorSockets;
  streams: StreamTable;
  admission: Admission;
  log: LogSink;
  /**
   * Hands a request this object cannot carry to the Tunnel DO, which sends it to another of the
   * tunnel's connections (its body unread, so nothing is lost).
   */
  relay: (request: Request) => Promise<Response>;
  /** Counts a request this object carries itself (not one it relays). */
  served: () => void;
}

/**
 * How many connections one visitor request may be tried on: a replica that dies takes its four
 * connections at once, and the Tunnel DO may not have heard of every close yet.
 */
const MAX_CONNECTIONS_TRIED = 5;

/** What `forwardTraced` answers when its connection failed a request that may go elsewhere. */
interface Elsewhere {
  failure: StreamFailure;
}

/**
 * Carries a visitor's request (forwarded by the edge, or relayed by the Tunnel DO) to this
 * object's connector and streams the origin's answer back; every failure is the visitor's error
 * page (error-page.ts). A request the connection cannot take (it closed, froze or drains since the
 * edge cached it) goes back to the Tunnel DO, which tries another, up to MAX_CONNECTIONS_TRIED.
 */
export async function forwardVisitor(request: Request, path: PublicPath): Promise<Response> {
  const mayHandBack = triedConnections(request).length < MAX_CONNECTIONS_TRIED;
  // Looked up once per request: each look reads every socket's heartbeat from the runtime.
  let routable = path.sockets.routable();
  if (mayHandBack && routable.length === 0) {
    const quiet = path.sockets.routable(undefined, { evenSilent: true });
    if (quiet.length === 0 || request.body !== null) return path.relay(request);
    // Only a connection silent for HEARTBEAT_STALE_MS: frozen, or this object so starved of CPU
    // that its heartbeats wait unread (seen at load 5–8 on 2 cores: 530s in a 1,000-GET burst).
    // Another connection goes first; with none, this one is tried, and the watchdog (which does
    // not judge on a starved tick) fails the request if it really is frozen.
    const elsewhere = await path.relay(asRetry(request));
    if (!isBareNoConnector(elsewhere)) return elsewhere;
    await elsewhere.body?.cancel();
    routable = quiet;
  }
  path.served();
  const clientIp = request.headers.get(TUNNEL_FETCH_HEADERS.clientIp) ?? "";
  const trace = beginTrace(path.log, request, clientIp);
  const answer = await forwardTraced(request, path, routable, trace, mayHandBack);
  if (answer instanceof Response) return trace.settle(answer);
  const elsewhere = await path.relay(asRetry(request));
  if (!isBareNoConnector(elsewhere)) {
    trace.abandon();
    return elsewhere;
  }
  // No other connection: the visitor learns what happened on this one.
  await elsewhere.body?.cancel();
  return trace.settle(publicError(failurePage(answer.failure), request));
}

/** `request` marked as a retry: with no other connection the Tunnel DO answers a bare 1033. */
function asRetry(request: Request): Request {
  const retry = new Request(request, { headers: new Headers(request.headers) });
  retry.headers.set(TUNNEL_FETCH_HEADERS.retry, "1");
  return retry;
}

/** The Tunnel DO's answer to a retry when no other connection could take it. */
function isBareNoConnector(response: Response): boolean {
  return response.headers.get("x-burrow-error") === String(PUBLIC_ERRORS.no_connector.number);
}

async function forwardTraced(
  request: Request,
  path: PublicPath,
  routable: WebSocket[],
  trace: Trace,
  mayHandBack: boolean,
): Promise<Response | Elsewhere> {
  if (routable.length === 0) return publicError("no_connector", request);
  const clientIp = trace.clientIp;
  const websocket = request.headers.get("upgrade")?.toLowerCase() === "websocket";
  const quick = request.headers.get(TUNNEL_FETCH_HEADERS.tunnelKind) === "quick";
  const release = path.admission.admit(clientIp, quick, websocket);
  if (!release) return publicError("too_many_requests", request, { "retry-after": "1" });
  try {
    const declaredLength = Number(request.headers.get("content-length") ?? 0);
    const maxBodyBytes = Number(path.env.MAX_REQUEST_BODY_BYTES);
    if (declaredLength > maxBodyBytes) {
      release();
      return publicError("body_too_large", request);
    }
    const headers = headersForOrigin(request, clientIp);
    if (websocket) headers.push(["upgrade", "websocket"], ["connection", "upgrade"]);
    // A bodiless GET or HEAD whose connection died or froze before any answer is sent once more
    // on another connection (through the Tunnel DO): nothing of it can have been half-applied,
    // and a frozen connector then costs the visitor a few seconds instead of an error.
    const idempotent =
      !websocket &&
      request.body === null &&
      (request.method === "GET" || request.method === "HEAD");
    const body = request.body !== null && !websocket ? streamedBody(request.body) : NO_BODY;
    const result = await streamHttp(
      request,
      {
        headers,
        body,
        websocket,
        maxBodyBytes,
        attempts: eachConnection(routable),
        retryOn: null,
        release,
        trace,
      },
      path.streams,
      path.ctx,
    );
    if (result.ok) return result.response;
    if (idempotent && mayHandBack && result.failure?.code === ResetCode.goingAway) {
      return { failure: result.failure };
    }
    return publicError(result.failure ? failurePage(result.failure) : "no_connector", request);
  } catch (error) {
    release();
    throw error;
  }
}

/** One attempt per routable connection of this object, each tried once. */
function* eachConnection(routable: WebSocket[]): Generator<Attempt> {
  for (const socket of routable) yield { socket, target: null };
}

/** The visitor's error page for a stream that failed before its response head. */
function failurePage(failure: StreamFailure) {
  if (failure instanceof ConnectorUnresponsive) return "connector_unresponsive" as const;
  if (failure.code === ResetCode.tooLarge) return "body_too_large" as const;
  if (failure.code === ResetCode.originTimeout) return "origin_timeout" as const;
  return "origin_failed" as const;
}

import { TUNNEL_FETCH_HEADERS } from "@burrow/tunnel-contract";
import { ResetCode } from "@burrow/wire";
import { publicError } from "../error-page";
import { headersForOrigin } from "../forwarded-headers";
import type { Admission } from "./admission";
import type { ConnectorSockets } from "./connector-sockets";
import { type Attempt, streamHttp } from "./http-proxy";
import type { Reaping } from "./reaping";
import { NO_BODY, streamedBody } from "./request-body";
import type { RequestLog, RequestTrace } from "./request-log";
import { ConnectorUnresponsive, type StreamFailure } from "./stream-failure";
import type { StreamTable } from "./stream-table";

/** The parts of the Tunnel DO a visitor's request goes through, top to bottom. */
export interface PublicPath {
  env: Env;
  ctx: DurableObjectState;
  sockets: ConnectorSockets;
  streams: StreamTable;
  admission: Admission;
  reaping: Reaping;
  log: RequestLog;
}

/**
 * Carries a visitor's request (forwarded by the edge from a tunnel hostname) to a connector and
 * streams the origin's answer back; every failure is the visitor's error page (error-page.ts).
 */
export async function forwardVisitor(request: Request, path: PublicPath): Promise<Response> {
  // An erased object writes nothing more, not even its request log.
  if (path.reaping.erased) return publicError("tunnel_deleted", request);
  const clientIp = request.headers.get(TUNNEL_FETCH_HEADERS.clientIp) ?? "";
  const trace = path.log.begin(request, clientIp);
  return trace.settle(await forwardTraced(request, path, clientIp, trace));
}

async function forwardTraced(
  request: Request,
  path: PublicPath,
  clientIp: string,
  trace: RequestTrace,
): Promise<Response> {
  if (path.sockets.routable().length === 0) return publicError("no_connector", request);
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
    const body = request.body !== null && !websocket ? streamedBody(request.body) : NO_BODY;
    // A bodiless GET or HEAD whose connection died or froze before any answer is sent once more
    // on another connection: nothing of it can have been half-applied, and a frozen connector
    // then costs the visitor a few seconds instead of an error.
    const idempotent = !websocket && (request.method === "GET" || request.method === "HEAD");
    const result = await streamHttp(
      request,
      {
        headers,
        body,
        websocket,
        maxBodyBytes,
        attempts: eachConnection(path.sockets),
        retryOn: idempotent ? ResetCode.goingAway : null,
        release,
        trace,
      },
      path.streams,
      path.ctx,
    );
    if (result.ok) return result.response;
    return publicError(result.failure ? failurePage(result.failure) : "no_connector", request);
  } catch (error) {
    release();
    throw error;
  }
}

/** One attempt per routable connection, each tried once, in round-robin order. */
function* eachConnection(sockets: ConnectorSockets): Generator<Attempt> {
  const tried = new Set<WebSocket>();
  for (;;) {
    const socket = sockets.pick(undefined, tried);
    if (!socket) return;
    tried.add(socket);
    yield { socket, target: null };
  }
}

/** The visitor's error page for a stream that failed before its response head. */
function failurePage(failure: StreamFailure) {
  if (failure instanceof ConnectorUnresponsive) return "connector_unresponsive" as const;
  if (failure.code === ResetCode.tooLarge) return "body_too_large" as const;
  if (failure.code === ResetCode.originTimeout) return "origin_timeout" as const;
  return "origin_failed" as const;
}

import { TUNNEL_FETCH_HEADERS } from "@burrow/tunnel-contract";
import { HANDSHAKE_HEADERS } from "@burrow/wire";
import { publicError } from "../error-page";
import type { ConnectionDirectory } from "./connection-directory";
import type { DeletionCheck } from "./deletion-check";
import type { ConnectionObject } from "./presence";
import type { Reaping } from "./reaping";
import type { RequestLog } from "./request-log";

/** The parts of the Tunnel DO a relayed visitor request goes through. */
export interface RelayPath {
  directory: ConnectionDirectory;
  reaping: Reaping;
  log: RequestLog;
  objectOf: ConnectionObject;
  deletion: DeletionCheck;
}

/**
 * The slow path of a visitor request: the edge found no connection in its cached list, or the
 * connection object it picked could no longer carry the request (closed, froze, drains). The
 * Tunnel DO sends it to another listed connection's object, or answers the error page itself.
 */
export async function relayVisitor(request: Request, path: RelayPath): Promise<Response> {
  // An erased object writes nothing more, not even its request log.
  if (path.reaping.erased) return publicError("tunnel_deleted", request);
  const tried = triedConnections(request);
  const record = path.directory.pick(undefined, new Set(tried));
  if (!record) {
    const tunnelId = request.headers.get(HANDSHAKE_HEADERS.tunnelId);
    if (tunnelId && (await path.deletion.deleted(tunnelId))) {
      return publicError("tunnel_deleted", request);
    }
    // A retry whose first connection failed: that object answers its own failure instead.
    if (request.headers.has(TUNNEL_FETCH_HEADERS.retry))
      return publicError("no_connector", request);
    const trace = path.log.begin(request, request.headers.get(TUNNEL_FETCH_HEADERS.clientIp) ?? "");
    return trace.settle(publicError("no_connector", request));
  }
  const headers = new Headers(request.headers);
  headers.set(TUNNEL_FETCH_HEADERS.triedConnections, [...tried, record.connectionId].join(","));
  return path.objectOf(record).fetch(new Request(request, { headers }));
}

/** The connections a visitor request already went to (TUNNEL_FETCH_HEADERS.triedConnections). */
export function triedConnections(request: Request): string[] {
  const header = request.headers.get(TUNNEL_FETCH_HEADERS.triedConnections) ?? "";
  return header.split(",").filter((id) => id.length > 0);
}

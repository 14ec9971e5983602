import { CONNECTION_GONE, type VpcRoute } from "@burrow/tunnel-contract";
import { FEATURES, type Header, ResetCode } from "@burrow/wire";
import { HOP_BY_HOP, INTERNAL_HEADER_PREFIX } from "../forwarded-headers";
import type { ConnectorSockets } from "./connector-sockets";
import { NoVpcConnector } from "./dns-exchange";
import { type Attempt, streamHttp } from "./http-proxy";
import { heldBody } from "./request-body";
import { type StreamFailure, UnsupportedStatus } from "./stream-failure";
import type { StreamTable } from "./stream-table";
import type { VpcHosts } from "./vpc-hosts";

/** Same cap as public traffic: Burrow streams bodies with flow control. */
const MAX_REQUEST_BODY_BYTES = 4 * 1024 ** 3;

/** The parts of a connection object a VPC call goes through, top to bottom. */
export interface VpcPath {
  sockets: ConnectorSockets;
  streams: StreamTable;
  ctx: DurableObjectState;
  /** The tunnel's DNS answers (the Tunnel DO's cache, copied for their TTL). */
  hosts: VpcHosts;
}

/**
 * Sends `request` to the service `route` names: resolves its hostname through the tunnel's DNS
 * cache, then tries each address on this object's connection until one accepts. Throws
 * CONNECTION_GONE, before reading the body, when this object holds no VPC connection any more, so
 * the caller picks another; otherwise an Error with a clear message, as Workers VPC does, when
 * there is no address or no connection; once the origin answers, its status passes through.
 */
export async function serveVpcCall(
  request: Request,
  route: VpcRoute,
  path: VpcPath,
): Promise<Response> {
  if (path.sockets.routable(FEATURES.vpc).length === 0) throw new Error(CONNECTION_GONE);
  const fail = (message: string) => new Error(`VPC service "${route.serviceName}": ${message}`);
  if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
    throw fail("WebSocket upgrades are not supported through VPC services");
  }
  let addresses: string[];
  if ("addresses" in route.host) {
    addresses = route.host.addresses;
  } else {
    try {
      addresses = await path.hosts.addresses(route.host.hostname, route.host.resolverIps);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw fail(message.replace(/^Error: /, ""));
    }
  }
  const result = await streamHttp(
    request,
    {
      headers: headersForService(request, route.serverName),
      body: await heldBody(request.body),
      websocket: false,
      maxBodyBytes: MAX_REQUEST_BODY_BYTES,
      attempts: addressAttempts(path.sockets, route, addresses),
      // Only a failed connect is worth another address; anything later already reached the origin.
      retryOn: ResetCode.originUnreachable,
    },
    path.streams,
    path.ctx,
  ).catch((error: unknown) => {
    throw error instanceof NoVpcConnector ? fail(error.message) : error;
  });
  if (result.ok) return result.response;
  if (result.failure instanceof UnsupportedStatus) throw fail(result.failure.message);
  const where = "addresses" in route.host ? route.host.addresses.join(", ") : route.host.hostname;
  throw fail(connectFailureMessage(result.failure, where, route.port));
}

/** One attempt per address, each on a VPC connector picked when it is tried. */
function* addressAttempts(
  sockets: ConnectorSockets,
  route: VpcRoute,
  addresses: string[],
): Generator<Attempt> {
  for (const address of addresses) {
    const socket = sockets.pick(FEATURES.vpc);
    if (!socket) throw new NoVpcConnector();
    yield {
      socket,
      target: {
        address,
        port: route.port,
        tls: route.tls,
        serverName: route.serverName,
        certVerification: route.certVerification,
      },
    };
  }
}

function connectFailureMessage(failure: StreamFailure | null, where: string, port: number) {
  const detail = failure?.message ?? "no address";
  switch (failure?.code) {
    case ResetCode.originUnreachable:
      return `could not connect to ${where} on port ${port}: ${detail}`;
    case ResetCode.originTimeout:
      return `connection to ${where} on port ${port} timed out`;
    case ResetCode.refused:
      return `the connector refused to dial ${where} on port ${port}: ${detail}`;
    case ResetCode.goingAway:
      return `the connector went away during the request: ${detail}`;
    default:
      return `the request to ${where} on port ${port} failed: ${detail}`;
  }
}

/**
 * The caller's headers minus hop-by-hop and internal ones; Host is always the caller URL's
 * hostname, whatever Host header the caller set, because the service decides where bytes go.
 */
function headersForService(request: Request, serverName: string): Header[] {
  const out: Header[] = [["host", serverName]];
  for (const [name, value] of request.headers) {
    if (name === "host" || HOP_BY_HOP.has(name) || name.startsWith(INTERNAL_HEADER_PREFIX)) {
      continue;
    }
    out.push([name, value]);
  }
  return out;
}

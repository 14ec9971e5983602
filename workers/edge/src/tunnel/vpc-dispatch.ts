import type { ConnectionRecord, VpcRoute } from "@burrow/tunnel-contract";
import { type DnsRecordType, FEATURES } from "@burrow/wire";
import { isConnectionGone, NoVpcConnector } from "../connection/dns-exchange";
import type { ConnectionDirectory } from "./connection-directory";
import type { DnsCache, DnsLookup } from "./dns-cache";
import type { ConnectionObject } from "./presence";

/** The parts of the Tunnel DO a VPC call goes through. */
export interface VpcDispatch {
  directory: ConnectionDirectory;
  dns: DnsCache;
  objectOf: ConnectionObject;
}

/**
 * A VPC call from the binding Worker: the Tunnel DO resolves the service's hostname (its DNS cache
 * is the tunnel's one cache, so a name is asked of one connector however many there are), then
 * hands the call to one VPC connection's object in turn. Throws an Error with a clear message, as
 * Workers VPC does, when there is no connector, no address or no connection.
 */
export async function dispatchVpcCall(
  request: Request,
  route: VpcRoute,
  vpc: VpcDispatch,
): Promise<Response> {
  const fail = (message: string) => new Error(`VPC service "${route.serviceName}": ${message}`);
  if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
    throw fail("WebSocket upgrades are not supported through VPC services");
  }
  if (vpc.directory.routable(FEATURES.vpc).length === 0) throw fail(new NoVpcConnector().message);

  let addresses: string[];
  if ("addresses" in route.host) {
    addresses = route.host.addresses;
  } else {
    const { hostname, resolverIps } = route.host;
    try {
      addresses = await vpc.dns.resolve(hostname, resolverIps, (name, type) =>
        askSomeConnector(vpc, name, type, resolverIps),
      );
    } catch (error) {
      throw fail(error instanceof Error ? error.message : String(error));
    }
  }
  // Held once here: a connection found gone before it read the body is retried with the same bytes.
  const body = request.body === null ? null : await request.arrayBuffer();
  const answer = await onEachVpcConnection(vpc, (object) =>
    object.fetchService(
      new Request(request.url, { method: request.method, headers: request.headers, body }),
      route,
      addresses,
    ),
  );
  if (answer === null) throw fail(new NoVpcConnector().message);
  return answer;
}

function askSomeConnector(
  vpc: VpcDispatch,
  hostname: string,
  recordType: DnsRecordType,
  resolverIps: string[],
): Promise<DnsLookup> {
  return onEachVpcConnection(vpc, (object) =>
    object.askDns(hostname, recordType, resolverIps),
  ).then((lookup) => {
    if (lookup === null) throw new NoVpcConnector();
    return lookup;
  });
}

/**
 * Runs `use` on the next VPC connection's object; when that object no longer holds a VPC
 * connection (closed, frozen or draining since it was listed) the next is tried. Null when no
 * connection is left.
 */
async function onEachVpcConnection<T>(
  vpc: VpcDispatch,
  use: (object: ReturnType<ConnectionObject>) => Promise<T>,
): Promise<T | null> {
  const tried = new Set<string>();
  for (;;) {
    const record: ConnectionRecord | null = vpc.directory.pick(FEATURES.vpc, tried);
    if (!record) return null;
    tried.add(record.connectionId);
    try {
      return await use(vpc.objectOf(record));
    } catch (error) {
      if (!isConnectionGone(error)) throw error;
    }
  }
}

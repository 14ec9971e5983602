import {
  type ConnectionRecord,
  fetchServiceOn,
  isConnectionGone,
  replayableRequest,
  type VpcRoute,
} from "@burrow/tunnel-contract";
import { type DnsRecordType, FEATURES } from "@burrow/wire";
import { NoVpcConnector } from "../connection/dns-exchange";
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
 * A VPC call that reached the Tunnel DO (the binding Worker found no VPC connection in its list):
 * it is handed to one VPC connection's object in turn, which resolves and dials; an object that no
 * longer holds a VPC connection says CONNECTION_GONE and the next is tried. Throws an Error with a
 * clear message, as Workers VPC does, when no connection is left.
 */
export async function dispatchVpcCall(
  request: Request,
  route: VpcRoute,
  vpc: VpcDispatch,
): Promise<Response> {
  const fail = (message: string) => new Error(`VPC service "${route.serviceName}": ${message}`);
  if (vpc.directory.routable(FEATURES.vpc).length === 0) throw fail(new NoVpcConnector().message);
  // A connection found gone before it read the body is tried with the same bytes (held when small).
  const nextCopy = await replayableRequest(request);
  const answer = await onEachVpcConnection(vpc, (object) => {
    const copy = nextCopy();
    if (copy === null) throw fail("the tunnel's VPC connection closed as the call started");
    return fetchServiceOn(object, copy, route);
  });
  if (answer === null) throw fail(new NoVpcConnector().message);
  return answer;
}

/**
 * Resolves a VPC service's hostname through the tunnel's one DNS cache, asking one VPC connection's
 * object on a miss; answers the addresses and until when they hold.
 */
export function resolveVpcHost(
  vpc: VpcDispatch,
  hostname: string,
  resolverIps: string[],
): Promise<{ addresses: string[]; expiresAt: number }> {
  return vpc.dns.resolveUntil(hostname, resolverIps, (name, type) =>
    askSomeConnector(vpc, name, type, resolverIps),
  );
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

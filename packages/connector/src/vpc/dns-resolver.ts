import { Resolver } from "node:dns/promises";
import net from "node:net";
import type { DnsRecordType, DnsStatus } from "@burrow/wire";
import type { VpcNetworks } from "./networks";

/** The connector's answer to one DNS question from the Tunnel DO. */
export interface DnsAnswer {
  status: DnsStatus;
  addresses: string[];
  ttlSeconds: number;
}

/** Each resolver gets this long per try; the Tunnel DO waits 8 s for the answer. */
const RESOLVER_TIMEOUT_MS = 2_500;
const RESOLVER_TRIES = 2;
/** Bounds the Resolver instances kept for services' `resolver_ips`. */
const MAX_RESOLVERS = 64;

/** c-ares error codes, as node:dns reports them, mapped to the wire's statuses. */
const STATUS_BY_CODE: Record<string, DnsStatus> = {
  ENOTFOUND: "nxdomain",
  ENODATA: "nodata",
  ESERVFAIL: "servfail",
  ETIMEOUT: "timeout",
  EREFUSED: "refused",
};

/**
 * Resolves VPC service hostnames in the connector's own network: through the system's DNS servers
 * (or `--resolver`), or through the resolvers a service names in `resolver_ips`, which must lie in
 * the networks the connector allows.
 */
export class DnsResolver {
  readonly #networks: VpcNetworks;
  readonly #defaultServers: string[];
  readonly #resolvers = new Map<string, Resolver>();

  /** `servers` overrides the system's DNS servers (`ip` or `ip:port`); empty keeps them. */
  constructor(networks: VpcNetworks, servers: string[] = []) {
    this.#networks = networks;
    this.#defaultServers = servers;
    if (servers.length > 0) this.#resolverFor(servers);
  }

  /** Asks for A or AAAA records; never throws, failures are statuses. */
  async resolve(
    hostname: string,
    recordType: DnsRecordType,
    resolverIps: readonly string[],
  ): Promise<DnsAnswer> {
    for (const server of resolverIps) {
      if (!this.#networks.allows(hostOf(server))) return failure("refused");
    }
    let resolver: Resolver;
    try {
      resolver = this.#resolverFor(resolverIps.length > 0 ? resolverIps : this.#defaultServers);
    } catch {
      return failure("refused");
    }
    try {
      const records =
        recordType === "A"
          ? await resolver.resolve4(hostname, { ttl: true })
          : await resolver.resolve6(hostname, { ttl: true });
      if (records.length === 0) return failure("nodata");
      return {
        status: "ok",
        addresses: records.map((record) => record.address),
        ttlSeconds: Math.min(...records.map((record) => record.ttl)),
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "";
      return failure(STATUS_BY_CODE[code] ?? "servfail");
    }
  }

  #resolverFor(servers: readonly string[]): Resolver {
    const key = servers.join(",");
    let resolver = this.#resolvers.get(key);
    if (!resolver) {
      resolver = new Resolver({ timeout: RESOLVER_TIMEOUT_MS, tries: RESOLVER_TRIES });
      if (servers.length > 0) resolver.setServers([...servers]);
      if (this.#resolvers.size >= MAX_RESOLVERS) this.#resolvers.clear();
      this.#resolvers.set(key, resolver);
    }
    return resolver;
  }
}

function failure(status: DnsStatus): DnsAnswer {
  return { status, addresses: [], ttlSeconds: 0 };
}

/** The IP of `ip`, `ip:port` or `[ipv6]:port`. */
export function hostOf(server: string): string {
  if (net.isIP(server)) return server;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(server);
  if (bracketed) return bracketed[1]!;
  return server.replace(/:\d+$/, "");
}

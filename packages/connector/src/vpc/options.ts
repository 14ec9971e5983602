import net from "node:net";
import { ConnectorError } from "../connector-error";
import { DnsResolver, hostOf } from "./dns-resolver";
import { VpcNetworks } from "./networks";
import { VpcTls } from "./tls";

/** What a connector started with `--vpc` serves VPC traffic with. */
export interface VpcOptions {
  networks: VpcNetworks;
  resolver: DnsResolver;
  /** Trusted CAs and per-mode agents for https services. */
  tls: VpcTls;
}

/**
 * Builds the `--vpc` options from `--vpc-allow`, `--resolver` (comma-separated `ip[:port]`) and
 * `--vpc-ca-file` (PEM CAs trusted on top of Node's defaults).
 */
export function vpcOptionsFrom(
  allow: string | undefined,
  resolver: string | undefined,
  caFile?: string,
): VpcOptions {
  const networks = VpcNetworks.parse(allow);
  const servers = (resolver ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const server of servers) {
    if (!net.isIP(hostOf(server))) {
      throw new ConnectorError(
        `bad --resolver "${server}"`,
        "expected a DNS server as ip or ip:port",
        "e.g. --resolver 10.0.0.2 or --resolver 127.0.0.1:5353",
      );
    }
  }
  return {
    networks,
    resolver: new DnsResolver(networks, servers),
    tls: VpcTls.fromCaFile(caFile),
  };
}

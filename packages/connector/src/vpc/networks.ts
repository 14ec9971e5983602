import net from "node:net";
import type { Target } from "@burrow/wire";
import { ConnectorError } from "../connector-error";

/**
 * RFC 1918 and RFC 4193 private ranges: what `--vpc` allows when `--vpc-allow` is not given.
 * Loopback and link-local (cloud metadata at 169.254.169.254) must be allowed explicitly.
 */
export const DEFAULT_VPC_ALLOW = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

/**
 * The networks a connector started with `--vpc` dials for VPC services. Every target address the
 * Tunnel DO sends, and every resolver a service names, must fall inside them.
 */
export class VpcNetworks {
  readonly cidrs: readonly string[];
  readonly #blockList = new net.BlockList();

  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs;
    for (const cidr of cidrs) {
      const [address = "", prefixText, extra] = cidr.trim().split("/");
      const family = net.isIPv4(address) ? "ipv4" : net.isIPv6(address) ? "ipv6" : null;
      const prefix = Number(prefixText);
      const maxPrefix = family === "ipv4" ? 32 : 128;
      if (
        !family ||
        extra !== undefined ||
        !/^\d{1,3}$/.test(prefixText ?? "") ||
        prefix > maxPrefix
      ) {
        throw new ConnectorError(
          `bad --vpc-allow entry "${cidr}"`,
          "expected an IPv4 or IPv6 network in CIDR form",
          "e.g. --vpc-allow 10.0.0.0/8,fd00::/8 (use /32 or /128 for one address)",
        );
      }
      this.#blockList.addSubnet(address, prefix, family);
    }
  }

  /** Parses a comma-separated `--vpc-allow` value. */
  static parse(value: string | undefined): VpcNetworks {
    const entries = (value ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    return new VpcNetworks(entries.length > 0 ? entries : DEFAULT_VPC_ALLOW);
  }

  /** True when `address` is an IP literal inside an allowed network. */
  allows(address: string): boolean {
    const family = net.isIPv4(address) ? "ipv4" : net.isIPv6(address) ? "ipv6" : null;
    return family !== null && this.#blockList.check(address, family);
  }

  /** Why the connector will not dial `target`, or null when it may. */
  refusal(target: Target): string | null {
    if (!net.isIP(target.address)) return "VPC targets must be IP addresses";
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535) {
      return `port ${target.port} is not 1-65535`;
    }
    if (!this.allows(target.address)) {
      return `${target.address} is outside the networks this connector allows (--vpc-allow)`;
    }
    return null;
  }
}

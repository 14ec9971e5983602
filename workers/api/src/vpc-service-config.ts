import { ApiError, quoted } from "@burrow/cf-api";
import {
  DEFAULT_HTTP_PORT,
  DEFAULT_HTTPS_PORT,
  type VpcServiceConfig,
  type VpcServiceHost,
  type VpcServiceTls,
} from "@burrow/registry";
import { UUID } from "./request";

const CERT_MODES = ["verify_full", "verify_ca", "disabled"] as const;
/** wrangler's `--app-protocol` choices for TCP services. */
const APP_PROTOCOLS = ["postgresql", "mysql"] as const;
/** RFC 1035 label rules, plus `_` which internal zones use (e.g. `_sip`); 63 octets per label. */
const DNS_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * Checks a service definition in the Workers VPC JSON shape (what `wrangler vpc service create`
 * sends) and returns it normalised: http ports filled in, hostname lowercased. Throws an
 * {@link ApiError} `validation_failed` naming the field; rejected values are quoted cut short.
 */
export function parseServiceConfig(input: unknown): VpcServiceConfig {
  const body = object(input, "body");
  if (body.type !== "http" && body.type !== "tcp") invalid("type", 'must be "http" or "tcp"');
  const common = ["type", "name", "host", "tls_settings"];
  const name = parseName(body.name);
  if (body.type === "tcp") {
    allowOnly(body, "body", [...common, "tcp_port", "app_protocol"]);
    if (body.tcp_port === undefined || body.tcp_port === null) {
      invalid("tcp_port", "is required for a tcp service");
    }
    const config: VpcServiceConfig = {
      type: "tcp",
      name,
      tcp_port: port(body.tcp_port, "tcp_port", 0),
      host: parseHost(body.host),
    };
    if (body.app_protocol !== undefined && body.app_protocol !== null) {
      if (!APP_PROTOCOLS.includes(body.app_protocol as (typeof APP_PROTOCOLS)[number])) {
        invalid("app_protocol", `must be one of ${APP_PROTOCOLS.join(", ")}`);
      }
      config.app_protocol = body.app_protocol as (typeof APP_PROTOCOLS)[number];
    }
    const tls = parseTls(body.tls_settings);
    if (tls) config.tls_settings = tls;
    return config;
  }
  allowOnly(body, "body", [...common, "http_port", "https_port"]);
  const config: VpcServiceConfig = {
    type: "http",
    name,
    http_port: port(body.http_port, "http_port", DEFAULT_HTTP_PORT),
    https_port: port(body.https_port, "https_port", DEFAULT_HTTPS_PORT),
    host: parseHost(body.host),
  };
  const tls = parseTls(body.tls_settings);
  if (tls) config.tls_settings = tls;
  return config;
}

function parseName(input: unknown): string {
  if (typeof input !== "string" || !SERVICE_NAME.test(input)) {
    invalid(
      "name",
      "must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  }
  return input;
}

function parseTls(input: unknown): VpcServiceTls | undefined {
  // Cloudflare's schema makes the optional fields nullable; the SDK may send null for "none".
  if (input === undefined || input === null) return undefined;
  const tls = object(input, "tls_settings");
  allowOnly(tls, "tls_settings", ["cert_verification_mode"]);
  const mode = tls.cert_verification_mode ?? "verify_full";
  if (!CERT_MODES.includes(mode as (typeof CERT_MODES)[number])) {
    invalid("tls_settings.cert_verification_mode", `must be one of ${CERT_MODES.join(", ")}`);
  }
  return { cert_verification_mode: mode as (typeof CERT_MODES)[number] };
}

function parseHost(input: unknown): VpcServiceHost {
  const host = object(input, "host");
  if ("hostname" in host) {
    allowOnly(host, "host", ["hostname", "resolver_network"]);
    const hostname = parseHostname(host.hostname);
    const network = object(host.resolver_network, "host.resolver_network");
    allowOnly(network, "host.resolver_network", ["tunnel_id", "resolver_ips"]);
    const tunnelId = tunnelIdOf(network.tunnel_id, "host.resolver_network.tunnel_id");
    if (network.resolver_ips === undefined || network.resolver_ips === null) {
      return { hostname, resolver_network: { tunnel_id: tunnelId } };
    }
    if (!Array.isArray(network.resolver_ips) || network.resolver_ips.length > 8) {
      invalid("host.resolver_network.resolver_ips", "must be a list of up to 8 IP addresses");
    }
    const resolverIps = network.resolver_ips.map((entry: unknown) => {
      if (typeof entry !== "string" || !isResolverAddress(entry)) {
        invalid(
          "host.resolver_network.resolver_ips",
          `${quoted(entry)} is not an IP address (ip, or ip:port for a non-standard port)`,
        );
      }
      return entry;
    });
    return { hostname, resolver_network: { tunnel_id: tunnelId, resolver_ips: resolverIps } };
  }
  if ("ipv4" in host || "ipv6" in host) {
    allowOnly(host, "host", ["ipv4", "ipv6", "network"]);
    if (host.ipv4 !== undefined && (typeof host.ipv4 !== "string" || !isIPv4(host.ipv4))) {
      invalid("host.ipv4", `${quoted(host.ipv4)} is not an IPv4 address`);
    }
    if (host.ipv6 !== undefined && (typeof host.ipv6 !== "string" || !isIPv6(host.ipv6))) {
      invalid("host.ipv6", `${quoted(host.ipv6)} is not an IPv6 address`);
    }
    const network = object(host.network, "host.network");
    allowOnly(network, "host.network", ["tunnel_id"]);
    const tunnelId = tunnelIdOf(network.tunnel_id, "host.network.tunnel_id");
    return {
      ...(host.ipv4 !== undefined ? { ipv4: host.ipv4 as string } : {}),
      ...(host.ipv6 !== undefined ? { ipv6: (host.ipv6 as string).toLowerCase() } : {}),
      network: { tunnel_id: tunnelId },
    };
  }
  return invalid("host", "must have either hostname + resolver_network, or ipv4/ipv6 + network");
}

function parseHostname(input: unknown): string {
  if (typeof input !== "string" || input === "") invalid("host.hostname", "must be a hostname");
  const value = input.trim();
  if (value.includes("://")) {
    invalid(
      "host.hostname",
      `${quoted(value)} has a scheme; give only the name, e.g. api.internal`,
    );
  }
  if (isIPv4(value) || isIPv6(value.replace(/^\[|\]$/g, ""))) {
    invalid("host.hostname", `${quoted(value)} is an IP address; use host.ipv4 or host.ipv6`);
  }
  if (/[/?#]/.test(value))
    invalid("host.hostname", `${quoted(value)} has a path; give only the name`);
  if (value.includes(":")) {
    invalid(
      "host.hostname",
      `${quoted(value)} has a port; set http_port / https_port (or tcp_port) instead`,
    );
  }
  const name = value.toLowerCase().replace(/\.$/, "");
  const labels = name.split(".");
  if (name.length > 253 || !labels.every((label) => DNS_LABEL.test(label))) {
    invalid("host.hostname", `${quoted(value)} is not a valid DNS name`);
  }
  // A name made of digits and dots only would be read as an IPv4 address by most clients.
  if (/^[\d.]+$/.test(name)) invalid("host.hostname", `${quoted(value)} is not a valid DNS name`);
  return name;
}

function tunnelIdOf(input: unknown, field: string): string {
  if (typeof input !== "string" || !UUID.test(input)) invalid(field, "must be a tunnel id (UUID)");
  return input.toLowerCase();
}

function port(input: unknown, field: string, fallback: number): number {
  if (input === undefined || input === null) return fallback;
  if (typeof input !== "number" || !Number.isInteger(input) || input < 1 || input > 65_535) {
    invalid(field, "must be an integer port 1-65535");
  }
  return input;
}

function object(input: unknown, field: string): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    invalid(field, "must be a JSON object");
  }
  return input as Record<string, unknown>;
}

function allowOnly(input: Record<string, unknown>, field: string, keys: string[]): void {
  for (const key of Object.keys(input)) {
    if (keys.includes(key)) continue;
    const shown = key.length > 32 ? `${key.slice(0, 32)}…` : key;
    invalid(`${field}.${shown}`, "is not a known field here");
  }
}

function invalid(field: string, message: string): never {
  throw new ApiError(400, "validation_failed", `${field} ${message}`);
}

/** True for a dotted-quad IPv4 address. */
export function isIPv4(value: string): boolean {
  const parts = value.split(".");
  return (
    parts.length === 4 &&
    parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)
  );
}

/** True for an IPv6 address (with `::` compression and an optional embedded IPv4 tail). */
export function isIPv6(value: string): boolean {
  let text = value;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (lastColon < 0 || !isIPv4(tail)) return false;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  if (!/^[0-9a-f:]+$/i.test(text)) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groupsOf = (half: string) => (half === "" ? [] : half.split(":"));
  const groups = halves.flatMap(groupsOf);
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return false;
  return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

function isResolverAddress(value: string): boolean {
  if (isIPv4(value) || isIPv6(value)) return true;
  const withPort = /^(?:\[([^\]]+)\]|([\d.]+)):(\d{1,5})$/.exec(value);
  if (!withPort) return false;
  const portNumber = Number(withPort[3]);
  const address = withPort[1] ?? withPort[2] ?? "";
  return (
    portNumber >= 1 && portNumber <= 65_535 && (withPort[1] ? isIPv6(address) : isIPv4(address))
  );
}

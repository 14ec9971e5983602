import {
  DEFAULT_HTTP_PORT,
  DEFAULT_HTTPS_PORT,
  type VpcService,
  type VpcServiceTls,
} from "@burrow/registry";
import type { VpcRoute } from "@burrow/tunnel-contract";
import type { CertVerification } from "@burrow/wire";

type CertVerificationMode = NonNullable<VpcServiceTls["cert_verification_mode"]>;

/** Workers VPC's `tls_settings.cert_verification_mode` → what the connector checks. */
const CERT_VERIFICATION: Record<CertVerificationMode, CertVerification> = {
  verify_full: "full",
  verify_ca: "ca",
  disabled: "none",
};

/** A caller error the binding reports by throwing, as Workers VPC does. */
export class VpcRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VpcRequestError";
  }
}

/**
 * The route for `url` to `service`. The service's config alone picks the destination: the URL's
 * scheme picks `http_port` or `https_port`, its hostname only becomes Host (and SNI), and its port
 * is ignored, so a caller cannot reach any other host or port through its binding.
 */
export function routeFor(service: VpcService, url: URL): VpcRoute {
  const { config } = service;
  if (config.type !== "http") {
    throw new VpcRequestError(
      `VPC service "${service.name}" is a ${config.type} service; fetch() reaches http services only`,
    );
  }
  let tls: boolean;
  if (url.protocol === "http:") tls = false;
  else if (url.protocol === "https:") tls = true;
  else {
    throw new VpcRequestError(
      `VPC service "${service.name}": only http:// and https:// URLs can be fetched, not ${url.protocol}`,
    );
  }
  const host =
    "hostname" in config.host
      ? {
          hostname: config.host.hostname,
          resolverIps: config.host.resolver_network.resolver_ips ?? [],
        }
      : { addresses: [config.host.ipv4, config.host.ipv6].filter((ip): ip is string => !!ip) };
  return {
    serviceId: service.id,
    serviceName: service.name,
    host,
    port: tls ? (config.https_port ?? DEFAULT_HTTPS_PORT) : (config.http_port ?? DEFAULT_HTTP_PORT),
    tls,
    serverName: url.hostname,
    certVerification:
      CERT_VERIFICATION[config.tls_settings?.cert_verification_mode ?? "verify_full"],
  };
}

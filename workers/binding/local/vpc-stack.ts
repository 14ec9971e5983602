import { type Connector, startConnector, stopConnector } from "@burrow/connector/testing";
import { type LocalEdge, startLocalEdge, workerVars } from "@burrow/local-edge";
import { startFloorPeer } from "../../../scripts/bench/runtime-floor";
import { type DnsServer, type DnsZone, startDnsServer } from "./dns-server";
import { FLOOR_WORKER, floorBinding, floorWorker } from "./floor-worker";
import { type PrivateOrigin, startPrivateOrigin } from "./private-origin";

/** The service id the example consumer's wrangler.toml names in its binding's props. */
export const EXAMPLE_SERVICE_ID = "00000000-0000-4000-8000-00000000a001";
/** A name only the stack's DNS server knows: the machine's own resolver answers NXDOMAIN. */
export const PRIVATE_HOSTNAME = "api.internal.test";
/** The management API token the stack configures (ADMIN_TOKEN of burrow-api). */
export const ADMIN_TOKEN = "local-admin-token";
/** The deployment's account tag, as the API Worker's wrangler.toml sets it. */
export const ACCOUNT_TAG = workerVars("workers/api/wrangler.toml").ACCOUNT_TAG ?? "";
/** Cloudflare's VPC services path on the edge's apex, served by the API Worker. */
export const SERVICES_PATH = `/client/v4/accounts/${ACCOUNT_TAG}/connectivity/directory/services`;
const CONSUMER_WORKER = "burrow-example-consumer";

/** Everything `pnpm demo:vpc`, the VPC end-to-end test and `pnpm bench` run locally. */
export interface VpcStack {
  edge: LocalEdge;
  dns: DnsServer;
  origin: PrivateOrigin;
  connector: Connector;
  /** Everything the connector wrote so far. */
  connectorLogs(): string;
  /** The quick tunnel the connector serves VPC traffic for. */
  tunnelId: string;
  /**
   * Calls the management API on the edge with the admin token; `path` is under
   * {@link SERVICES_PATH} (e.g. `/<id>`, `""` for the collection) unless it starts with /client/v4.
   */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** Calls the example consumer Worker, which fetches through its PRIVATE_API binding. */
  consumer(path: string, init?: RequestInit): Promise<Response>;
  /**
   * The example consumer Worker on a loopback port of its own: `fetch(consumerUrl + path)` from
   * Node costs far less per call than {@link consumer} (Miniflare's `getWorker().fetch`, ≈ 5 ms),
   * so a benchmark sees the binding's own latency.
   */
  consumerUrl: URL;
  /** Registers the example consumer's service for {@link PRIVATE_HOSTNAME} on the origin. */
  registerExampleService(): Promise<void>;
  close(): Promise<void>;
}

/** Options for {@link startVpcStack}. */
export interface VpcStackOptions {
  /** Extra names for the DNS server (PRIVATE_HOSTNAME → 127.0.0.1 is always there). */
  zone?: DnsZone;
  ttlSeconds?: number;
  /** `--vpc-allow` for the connector. */
  vpcAllow?: string;
  /** More connector flags, e.g. `["--vpc-ca-file", path]`. */
  connectorArgs?: string[];
  /** More environment for the connector, e.g. `NODE_EXTRA_CA_CERTS`. */
  connectorEnv?: Record<string, string>;
  /** The example consumer's SERVICE_URL (default `http://api.internal.test`, its wrangler.toml). */
  serviceUrl?: string;
  /** Registers the Workers in wrangler's dev registry at this folder (see startLocalEdge). */
  devRegistryPath?: string;
  /**
   * Also runs the bench's floor Worker (floor-worker.ts), bound to the consumer as BENCH_FLOOR:
   * the consumer's `/floor/<path>` calls it as `/<path>` calls PRIVATE_API.
   */
  floor?: boolean;
  /** The connector program to run instead of this checkout's source (e.g. the built bundle). */
  connectorCommand?: string[];
  log?: (message: string) => void;
}

/**
 * Starts a DNS server and a private origin on 127.0.0.1, every Worker in Miniflare, and a real
 * connector with `--vpc` whose resolver is that DNS server. Stop it with {@link VpcStack.close}.
 */
export async function startVpcStack(options: VpcStackOptions = {}): Promise<VpcStack> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const dns = await startDnsServer(
      { [PRIVATE_HOSTNAME]: { A: ["127.0.0.1"] }, ...options.zone },
      options.ttlSeconds ?? 60,
    );
    cleanups.push(() => dns.close());
    const origin = await startPrivateOrigin();
    cleanups.push(() => origin.close());
    const edge = await startLocalEdge({
      port: 0,
      vars: {
        "burrow-api": { ADMIN_TOKEN },
        [CONSUMER_WORKER]: {
          DIRECT_ORIGIN: origin.url.href,
          ...(options.serviceUrl ? { SERVICE_URL: options.serviceUrl } : {}),
        },
      },
      rateLimits: { "burrow-quick-tunnel": { MINT_RATE_LIMIT: { limit: 10_000, period: 60 } } },
      devRegistryPath: options.devRegistryPath,
      directWorkers: [CONSUMER_WORKER],
      ...(options.floor
        ? {
            extraWorkers: [floorWorker()],
            serviceBindings: { [CONSUMER_WORKER]: floorBinding(EXAMPLE_SERVICE_ID) },
          }
        : {}),
      log: options.log,
    });
    cleanups.push(() => edge.dispose());
    if (options.floor) {
      const peer = await startFloorPeer(await edge.workerUrl(FLOOR_WORKER), origin.url);
      cleanups.push(async () => peer.kill());
    }

    const connector = await startConnector({
      edge: edge.url,
      origin: origin.url,
      args: [
        "--vpc",
        "--vpc-allow",
        options.vpcAllow ?? "127.0.0.0/8",
        "--resolver",
        dns.address,
        ...(options.connectorArgs ?? []),
      ],
      env: options.connectorEnv,
      command: options.connectorCommand,
    });
    cleanups.push(() => stopConnector(connector));
    const tunnelId = connector.tunnelId;

    const admin = (method: string, adminPath: string, body?: unknown) =>
      fetch(
        new URL(
          adminPath.startsWith("/client/v4") ? adminPath : SERVICES_PATH + adminPath,
          edge.url,
        ),
        {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
      );
    const consumerWorker = await edge.miniflare.getWorker(CONSUMER_WORKER);
    const consumerUrl = await edge.workerUrl(CONSUMER_WORKER);
    return {
      consumerUrl,
      edge,
      dns,
      origin,
      connector,
      connectorLogs: () => connector.logs(),
      tunnelId,
      admin,
      consumer: async (consumerPath, init) =>
        (await consumerWorker.fetch(
          `http://consumer${consumerPath}`,
          init as never,
        )) as unknown as Response,
      registerExampleService: async () => {
        const response = await admin("PUT", `/${EXAMPLE_SERVICE_ID}`, {
          type: "http",
          name: "example-private-api",
          http_port: origin.port,
          host: { hostname: PRIVATE_HOSTNAME, resolver_network: { tunnel_id: tunnelId } },
        });
        if (!response.ok) {
          throw new Error(
            `registering the service failed: ${response.status} ${await response.text()}`,
          );
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

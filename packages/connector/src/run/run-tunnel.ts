import type { Server } from "node:http";
import type https from "node:https";
import { ConnectorError } from "../connector-error";
import { DEFAULT_ORIGIN_REQUEST } from "../ingress/origin-request";
import { parseIngress } from "../ingress/rules";
import { type InspectAddress, startInspector } from "../inspector/server";
import { InspectorStore } from "../inspector/store";
import { metricsAddress, startMetricsServer } from "../metrics-server";
import type { OriginHttpAgent } from "../origin-http1/origin-http-agent";
import { IngressRouter, type OriginRouter, SingleOriginRouter } from "../origin-router";
import { TunnelRunner } from "../tunnel-runner";
import type { VpcOptions } from "../vpc/options";
import { drainOnSignal } from "./drain-on-signal";
import {
  type ConnectorConfiguration,
  fetchConnectorConfiguration,
  pollRemoteConfiguration,
} from "./remote-config";
import type { RunPlan } from "./resolve-run";

/** cloudflared's metrics ports when `--metrics` is not given: the first free of 20241–20245. */
const DEFAULT_METRICS_PORTS = [20241, 20242, 20243, 20244, 20245];

/** A named tunnel with no ingress and no `--url` answers every request 503, as cloudflared does. */
const NO_RULES: { ingress: unknown; originRequest?: unknown } = {
  ingress: [{ service: "http_status:503" }],
};

/**
 * Runs a named tunnel until a signal: ingress from the config file (or `--url`, or the remote
 * configuration of a remotely managed tunnel, polled and applied live), N HA connections and the
 * metrics server.
 */
export async function runNamedTunnel(
  plan: RunPlan,
  log: (message: string) => void,
  vpc: VpcOptions | null,
  inspect: InspectAddress | null = null,
): Promise<void> {
  const { credentials, edge } = plan;
  const stopping = new AbortController();
  let runner: TunnelRunner | null = null;
  const rulesCounter = (index: number) => runner?.metrics.ruleMatched(index);

  // Local rules first; a remotely managed tunnel replaces them before serving anything.
  const remote = await fetchConnectorConfiguration(edge, credentials).catch((error) => {
    if (error instanceof ConnectorError && !error.retryable) throw error;
    log(`${(error as Error).message}; starting with the local configuration`);
    return null;
  });
  const buildRouter = (pool: TunnelRunner["originAgents"]): OriginRouter => {
    if (remote?.configSrc === "cloudflare" && remote.config) {
      return remoteRouter(remote, pool, rulesCounter, log);
    }
    if (plan.singleOrigin) return new SingleOriginRouter(plan.singleOrigin, plainAgents(pool));
    if (plan.helloWorld) {
      return new IngressRouter(
        parseIngress({ ingress: [{ service: "hello_world" }] }),
        pool,
        rulesCounter,
      );
    }
    const source = plan.config?.ingress !== undefined ? plan.config : null;
    if (!source) {
      log(
        "No ingress rules were defined in the config file nor with --url; every request will be answered 503",
      );
    }
    const ingress = parseIngress(
      source ? { ingress: source.ingress, originRequest: source.originRequest } : NO_RULES,
    );
    for (const warning of ingress.warnings) log(`warning: ${warning}`);
    return new IngressRouter(ingress, pool, rulesCounter);
  };

  const inspectorStore = inspect ? new InspectorStore() : null;
  runner = new TunnelRunner({
    edge,
    // Replaced just below, once the runner's agent pool exists.
    origin: new URL("http://127.0.0.1:1"),
    credentials: { tunnelId: credentials.tunnelId, secret: credentials.tunnelSecret },
    tunnelKind: "named",
    haConnections: plan.haConnections,
    gracePeriodMs: plan.gracePeriodMs,
    log,
    vpc,
    observe: inspectorStore ? (head, connIndex) => inspectorStore.observe(head, connIndex) : null,
  });
  const router = buildRouter(runner.originAgents);
  runner.setRouter(router);
  if (router instanceof IngressRouter && router.configVersion !== null) {
    runner.setConfigVersion(router.configVersion);
  }

  const metricsServer = await startMetrics(plan.metrics, runner);
  log(`metrics on http://${metricsAddress(metricsServer)}/metrics`);
  const active = runner;
  const inspector =
    inspect && inspectorStore
      ? await startInspector(
          inspect,
          { store: inspectorStore, router: () => active.router, tunnelName: credentials.tunnelId },
          log,
        )
      : null;

  if (remote?.configSrc === "cloudflare") {
    void pollRemoteConfiguration({
      edge,
      credentials,
      fromVersion: remote.version,
      signal: stopping.signal,
      log,
      apply: (configuration) => {
        try {
          active.setRouter(remoteRouter(configuration, active.originAgents, rulesCounter, log));
          active.setConfigVersion(configuration.version);
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          log(
            `remote configuration version ${configuration.version} refused: ${why}; keeping the current rules`,
          );
        }
      },
    });
  }

  drainOnSignal({
    gracePeriodMs: plan.gracePeriodMs,
    log,
    drain: () => {
      stopping.abort();
      return active.shutdown();
    },
    servers: [metricsServer, inspector],
  });

  log(
    `Starting tunnel tunnelID=${credentials.tunnelId} (credentials from ${plan.credentialsFrom}, edge ${edge.origin}, ${plan.haConnections} connections)`,
  );
  try {
    await runner.run();
  } finally {
    stopping.abort();
  }
}

function remoteRouter(
  configuration: ConnectorConfiguration,
  pool: TunnelRunner["originAgents"],
  count: (index: number) => void,
  log: (message: string) => void,
): IngressRouter {
  const config = configuration.config ?? NO_RULES;
  const ingress = parseIngress({ ingress: config.ingress, originRequest: config.originRequest });
  for (const warning of ingress.warnings) log(`warning: ${warning}`);
  const router = new IngressRouter(ingress, pool, count, configuration.version);
  log(
    `Updated to new configuration version=${configuration.version} rules=${ingress.rules.length}`,
  );
  return router;
}

/** `--url` on a named tunnel: pooled agents with cloudflared's default originRequest. */
function plainAgents(pool: TunnelRunner["originAgents"]) {
  return {
    http: pool.agentFor(false, null, DEFAULT_ORIGIN_REQUEST) as OriginHttpAgent,
    https: pool.agentFor(true, null, DEFAULT_ORIGIN_REQUEST) as https.Agent,
  };
}

async function startMetrics(address: string | null, runner: TunnelRunner): Promise<Server> {
  if (address) return startMetricsServer(address, runner);
  for (const port of DEFAULT_METRICS_PORTS) {
    try {
      return await startMetricsServer(`localhost:${port}`, runner);
    } catch {
      // Taken: try the next one, as cloudflared does.
    }
  }
  return startMetricsServer("localhost:0", runner);
}

import type { ParsedArgs } from "citty";
import { ConnectorError } from "../connector-error";
import { startHelloWorld } from "../hello-world";
import { parseInspectFlag, startInspector } from "../inspector/server";
import { InspectorStore } from "../inspector/store";
import { metricsAddress, startMetricsServer } from "../metrics-server";
import { acquireQuickTunnel } from "../quick-tunnel/acquire";
import { quickTunnelBanner } from "../quick-tunnel/banner";
import { publicUrlFor } from "../quick-tunnel/client";
import { drainOnSignal } from "../run/drain-on-signal";
import { TunnelRunner } from "../tunnel-runner";
import { vpcOptionsFrom } from "../vpc/options";
import { log, parseUrl } from "./shared";
import type { TUNNEL_ARGS } from "./tunnel-flags";

/** Mints a quick tunnel (or reuses the saved one) and serves the origin through it until a signal. */
export async function runQuickTunnel(args: ParsedArgs<typeof TUNNEL_ARGS>): Promise<void> {
  const edge = parseUrl(args.edge, "--edge");
  const gracePeriodSeconds = Number(args["grace-period"]);
  if (!Number.isFinite(gracePeriodSeconds) || gracePeriodSeconds < 0) {
    throw new ConnectorError(
      `bad --grace-period "${args["grace-period"]}"`,
      "expected seconds",
      "e.g. --grace-period 30",
    );
  }
  const helloWorld = args["hello-world"] ? await startHelloWorld() : null;
  const origin = helloWorld?.url ?? parseUrl(args.url, "--url");
  const vpc = args.vpc
    ? vpcOptionsFrom(args["vpc-allow"], args.resolver, args["vpc-ca-file"])
    : null;
  if (vpc) log(`serving VPC services within ${vpc.networks.cidrs.join(", ")}`);

  const inspectAddress = parseInspectFlag(args.inspect as string | boolean | undefined, true);
  const inspectorStore = inspectAddress ? new InspectorStore() : null;

  const quickTunnel = await acquireQuickTunnel(edge, args["credentials-file"] || null, log);
  const runner = new TunnelRunner({
    edge,
    origin,
    credentials: { tunnelId: quickTunnel.id, secret: quickTunnel.secret },
    tunnelKind: "quick",
    // trycloudflare serves a quick tunnel over one connection.
    haConnections: 1,
    gracePeriodMs: gracePeriodSeconds * 1000,
    log,
    vpc,
    hostname: quickTunnel.hostname,
    observe: inspectorStore ? (head, connIndex) => inspectorStore.observe(head, connIndex) : null,
  });
  const inspector =
    inspectAddress && inspectorStore
      ? await startInspector(
          inspectAddress,
          { store: inspectorStore, router: () => runner.router, tunnelName: quickTunnel.hostname },
          log,
        )
      : null;
  const metricsServer = args.metrics ? await startMetricsServer(args.metrics, runner) : null;
  // Logs the bound address, so `--metrics 127.0.0.1:0` (a free port) can be found by scripts.
  if (metricsServer) log(`metrics on http://${metricsAddress(metricsServer)}/metrics`);

  drainOnSignal({
    gracePeriodMs: gracePeriodSeconds * 1000,
    log,
    drain: () => runner.shutdown(),
    servers: [metricsServer, inspector, helloWorld?.server ?? null],
  });

  const publicUrl = publicUrlFor(edge, quickTunnel.hostname);
  process.stderr.write(`${quickTunnelBanner(publicUrl)}\n`);
  log(`serving ${origin.href} at ${publicUrl} (tunnel ${quickTunnel.id})`);
  await runner.run();
}

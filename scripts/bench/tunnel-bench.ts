/**
 * The tunnel section of `pnpm bench`: a quick tunnel through the local edge (Miniflare) and the
 * real connector process, next to the same workload sent straight to the origin (path-figures.ts)
 * and, for the latency-bound figures, through the runtime floor (runtime-floor.ts); then what the
 * runtime costs alone, a burst of 1,000 GETs, mints and peak RSS.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startConnector, stopConnector } from "@burrow/connector/testing";
import { startLocalEdge } from "@burrow/local-edge";
import { startBenchOrigin } from "./bench-origin";
import { FULL, QUICK } from "./bench-plan";
import { benchConnector } from "./connector-command";
import { HttpTarget } from "./http-target";
import { ensureTool, wrk } from "./load-tools";
import { cpuDuring, peakRssMiB, runLoad, workerdPids } from "./measure";
import { measurePath } from "./path-figures";
import type { Figure } from "./report";
import { type RuntimeFloor, startRuntimeFloor } from "./runtime-floor";

export async function benchTunnel(options: { quick?: boolean } = {}): Promise<Figure[]> {
  const plan = options.quick ? QUICK : FULL;
  ensureTool("wrk");
  ensureTool("curl");
  const figures: Figure[] = [];
  const scratch = await mkdtemp(path.join(os.tmpdir(), "burrow-bench-"));
  const origin = await startBenchOrigin();
  const edge = await startLocalEdge({
    port: 0,
    // Minting as fast as possible is the point here, not the per-IP limit.
    rateLimits: { "burrow-quick-tunnel": { MINT_RATE_LIMIT: { limit: 1_000_000, period: 60 } } },
  });
  const connectorBuild = benchConnector();
  const connector = await startConnector({
    edge: edge.url,
    origin: origin.url,
    command: connectorBuild.command,
    env: connectorBuild.env,
  });
  const edgePort = Number(edge.url.port);
  const direct = { name: "direct", port: Number(origin.url.port), host: origin.url.host };
  const tunnel = { name: "tunnel", port: edgePort, host: `${connector.hostname}:${edgePort}` };
  const connectorPid = connector.process.pid ?? 0;
  const workerd = await workerdPids();
  const directHttp = new HttpTarget("direct", direct.port, direct.host);
  const tunnelHttp = new HttpTarget("tunnel", tunnel.port, tunnel.host);
  let floor: RuntimeFloor | undefined;
  let floorHttp: HttpTarget | undefined;
  try {
    floor = await startRuntimeFloor(origin.url);
    floorHttp = new HttpTarget("floor", floor.port, floor.host);
    figures.push(
      ...(await measurePath(plan, {
        keyPrefix: "",
        labelPrefix: "",
        direct,
        tunnel,
        directHttp,
        tunnelHttp,
        workerdPids: workerd,
        connectorPid,
        connectorLabel: connectorBuild.label,
        scratch,
        floor: { port: floor.port, host: floor.host, http: floorHttp, runtime: floor },
      })),
    );

    // What the local runtime costs before any tunnel work: a request the edge answers by itself
    // (unknown hostname, 404): workerd's HTTP server and the edge Worker, on the edge's own socket.
    const edgeOnly = await cpuDuring(workerd, () =>
      wrk({
        port: edgePort,
        host: `no-such-tunnel.localhost:${edgePort}`,
        path: "/",
        connections: 100,
        seconds: plan.wrkSeconds,
      }),
    );
    figures.push(
      {
        key: "edge_only_c100_rps",
        label: "edge-only 404 c=100 (runtime baseline)",
        unit: "req/s",
        value: edgeOnly.result.rps,
      },
      {
        key: "edge_only_cpu_ms_per_request",
        label: "edge-only 404: workerd CPU per request",
        unit: "ms",
        value: (edgeOnly.cpuSeconds * 1000) / Math.max(1, edgeOnly.result.requests),
      },
    );

    if (plan.extras) {
      const burst: Record<string, number> = {};
      for (const target of [directHttp, tunnelHttp]) {
        const t0 = performance.now();
        // From ten visitors, as the edge tells them apart (CF-Connecting-IP): one client alone
        // gets 90 % of a quick tunnel's 1,000 in flight (fair share), and 429s past that.
        await Promise.all(
          Array.from({ length: 1_000 }, (_, i) =>
            target.get("/small", { "cf-connecting-ip": `192.0.2.${(i % 10) + 1}` }),
          ),
        );
        burst[target.name] = performance.now() - t0;
      }
      figures.push({
        key: "burst_1000_wall_ms",
        label: "1,000 concurrent GETs, wall (Node client)",
        unit: "ms",
        value: burst.tunnel!,
        baseline: burst.direct!,
        baselineName: "direct",
      });
      const mints = await runLoad(200, 4, 20_000, async () => {
        const response = await fetch(new URL("/tunnel", edge.url), { method: "POST" });
        if (!response.ok) throw new Error(`mint HTTP ${response.status}`);
        await response.arrayBuffer();
      });
      figures.push({
        key: "mints_per_s",
        label: "quick-tunnel mints",
        unit: "mints/s",
        value: (mints.completed / mints.wallMs) * 1000,
      });
    }

    figures.push(
      {
        key: "connector_peak_rss_mib",
        label: `connector peak RSS (whole run; ${connectorBuild.label})`,
        unit: "MiB",
        value: await peakRssMiB(connectorPid),
      },
      {
        key: "workerd_peak_rss_mib",
        label: "workerd peak RSS (whole run)",
        unit: "MiB",
        value: Math.max(...(await Promise.all(workerd.map(peakRssMiB)))),
      },
    );
    return figures;
  } finally {
    directHttp.close();
    tunnelHttp.close();
    floorHttp?.close();
    await floor?.close();
    await stopConnector(connector);
    await edge.dispose();
    await origin.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

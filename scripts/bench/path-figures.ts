/**
 * The figures `pnpm bench` measures through one tunnel path next to direct, in one run: small GETs
 * with wrk (req/s, latency, errors, the tunnel's CPU per request and the connector's RSS), the
 * bodies (body-figures.ts: throughput, echo, CPU per GiB, RSS growth while a large body moves) and
 * the WebSocket round trip. The tunnel section runs them through a quick tunnel, the named-run section through a
 * named tunnel with 4 connections. Direct and tunnel runs alternate, so on a shared machine both
 * see the same load. Targets are issue 12's.
 */
import { type Plan, TARGETS, type TunnelPath } from "./bench-plan";
import { measureBodies } from "./body-figures";
import { type WrkResult, wrk } from "./load-tools";
import { cpuDuring, percentile, rssMiB } from "./measure";
import type { Figure } from "./report";

/** Sums wrk runs: total requests over total time, latency percentiles averaged across rounds. */
export function combine(runs: WrkResult[], seconds: number): WrkResult {
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  return {
    requests,
    rps: requests / (seconds * runs.length),
    p50Ms: runs.reduce((sum, r) => sum + r.p50Ms, 0) / runs.length,
    p99Ms: runs.reduce((sum, r) => sum + r.p99Ms, 0) / runs.length,
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** Every per-path figure of issue 12 for `subject`, at `plan`'s sizes. */
export async function measurePath(plan: Plan, subject: TunnelPath): Promise<Figure[]> {
  const { direct, tunnel, connectorPid, directHttp, tunnelHttp } = subject;
  const workerd = subject.workerdPids;
  const figures: Figure[] = [];
  // Warm both paths (JIT, connection pools) before anything is measured.
  await wrk({ ...tunnel, path: "/small", connections: 10, seconds: 1 });
  await wrk({ ...direct, path: "/small", connections: 10, seconds: 1 });

  const floor = subject.floor;
  for (const connections of plan.concurrencies) {
    const runs: Record<"direct" | "tunnel" | "floor", WrkResult[]> = {
      direct: [],
      tunnel: [],
      floor: [],
    };
    let tunnelCpu = { workerd: 0, connector: 0 };
    let connectorRss = 0;
    const targets = floor && connections === 1 ? [direct, tunnel, floor] : [direct, tunnel];
    for (let round = 0; round < plan.rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const load = () =>
          wrk({ ...target, path: "/small", connections, seconds: plan.wrkSeconds });
        if (target !== tunnel) {
          runs[target === direct ? "direct" : "floor"].push(await load());
          continue;
        }
        // CPU of each tunnel process, and the connector's RSS at its highest during the run.
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            connectorRss = Math.max(connectorRss, await rssMiB(connectorPid));
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        })();
        const connectorCpu = await cpuDuring([connectorPid], () =>
          cpuDuring(workerd, () => load()),
        );
        sampling = false;
        await sampler;
        tunnelCpu = {
          workerd: tunnelCpu.workerd + connectorCpu.result.cpuSeconds,
          connector: tunnelCpu.connector + connectorCpu.cpuSeconds,
        };
        runs.tunnel.push(connectorCpu.result.result);
      }
    }
    const d = combine(runs.direct, plan.wrkSeconds);
    const t = combine(runs.tunnel, plan.wrkSeconds);
    const f = runs.floor.length > 0 ? combine(runs.floor, plan.wrkSeconds) : undefined;
    const c = `c${connections}`;
    const rpsTarget =
      connections === 1
        ? [{ on: "ratio", op: ">=", limit: TARGETS.getC1Ratio } as const]
        : connections === 100
          ? [{ on: "ratio", op: ">=", limit: TARGETS.getC100Ratio } as const]
          : undefined;
    figures.push(
      {
        key: `get_${c}_rps`,
        label: `small GET c=${connections} (wrk)`,
        unit: "req/s",
        value: t.rps,
        baseline: d.rps,
        baselineName: "direct",
        targets: rpsTarget,
        floor: f?.rps,
      },
      {
        key: `get_${c}_p50_ms`,
        label: `small GET c=${connections} p50`,
        unit: "ms",
        value: t.p50Ms,
        baseline: d.p50Ms,
        baselineName: "direct",
        floor: f?.p50Ms,
      },
      {
        key: `get_${c}_p99_ms`,
        label: `small GET c=${connections} p99`,
        unit: "ms",
        value: t.p99Ms,
        baseline: d.p99Ms,
        baselineName: "direct",
      },
      {
        key: `get_${c}_errors`,
        label: `small GET c=${connections} errors (non-2xx, socket)`,
        unit: "",
        value: t.errors,
        baseline: d.errors,
        baselineName: "direct",
        targets: [{ on: "value", op: "<=", limit: 0 }],
      },
    );
    if (connections === 100) {
      const perRequestMs = (seconds: number) => (seconds * 1000) / Math.max(1, t.requests);
      figures.push(
        {
          key: "cpu_ms_per_request",
          label: "tunnel CPU per small request (c=100, workerd + connector)",
          unit: "ms",
          value: perRequestMs(tunnelCpu.workerd + tunnelCpu.connector),
          targets: [{ on: "value", op: "<=", limit: TARGETS.cpuMsPerRequest }],
        },
        {
          key: "cpu_ms_per_request_workerd",
          label: "  of which workerd",
          unit: "ms",
          value: perRequestMs(tunnelCpu.workerd),
        },
        {
          key: "cpu_ms_per_request_connector",
          label: "  of which connector",
          unit: "ms",
          value: perRequestMs(tunnelCpu.connector),
        },
        {
          key: "connector_rss_c100_mib",
          label: `connector RSS at c=100 (peak while loaded; ${subject.connectorLabel})`,
          unit: "MiB",
          value: connectorRss,
          targets: [{ on: "value", op: "<=", limit: TARGETS.connectorRssMiB }],
        },
      );
    }
  }

  figures.push(...(await measureBodies(plan, subject)));

  const wsDirect = await directHttp.webSocketRoundTrips(plan.webSocketRoundTrips);
  const wsTunnel = await tunnelHttp.webSocketRoundTrips(plan.webSocketRoundTrips);
  const wsFloor = await floor?.http.webSocketRoundTrips(plan.webSocketRoundTrips);
  figures.push({
    key: "ws_rtt_p50_ms",
    label: "WebSocket round trip p50 (ws, 10 B)",
    unit: "ms",
    value: percentile(wsTunnel, 50),
    baseline: percentile(wsDirect, 50),
    baselineName: "direct",
    targets: [{ on: "ratio", op: "<=", limit: TARGETS.webSocketRatio }],
    floor: wsFloor && percentile(wsFloor, 50),
  });

  return figures.map((figure) => ({
    ...figure,
    key: `${subject.keyPrefix}${figure.key}`,
    // Indented rows ("  of which …") belong to the row above and keep their indent.
    label: figure.label.startsWith(" ") ? figure.label : `${subject.labelPrefix}${figure.label}`,
  }));
}

/**
 * The figures `pnpm bench` measures through one tunnel path next to direct, in one run: small GETs
 * with wrk (req/s, latency, errors, the tunnel's CPU per request and the connector's RSS), bodies
 * with curl (throughput, echo, CPU per GiB), the WebSocket round trip, and RSS growth while a large
 * body moves. The tunnel section runs them through a quick tunnel, the named-run section through a
 * named tunnel with 4 connections. Direct and tunnel runs alternate, so on a shared machine both
 * see the same load. Targets are issue 12's.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { HttpTarget } from "./http-target";
import { curlDownload, curlPost, type WrkResult, wrk } from "./load-tools";
import { cpuDuring, percentile, rssGrowthDuring, rssMiB } from "./measure";
import type { Figure } from "./report";
import { floorCpuPerGiB, type RuntimeFloor } from "./runtime-floor";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Sizes and durations; --quick keeps the same figures at a fraction of the cost. */
export interface Plan {
  wrkSeconds: number;
  /** Alternating direct/tunnel rounds per small-GET figure; results are summed over rounds. */
  rounds: number;
  concurrencies: number[];
  downloadBytes: number;
  uploadBytes: number;
  echoBytes: number;
  /** Repeats of each body transfer; the median is reported. */
  transfers: number;
  growthBytes: number;
  webSocketRoundTrips: number;
  extras: boolean;
}

export const FULL: Plan = {
  wrkSeconds: 5,
  rounds: 2,
  concurrencies: [1, 10, 100],
  downloadBytes: 100 * MiB,
  uploadBytes: 50 * MiB,
  echoBytes: 10 * MiB,
  transfers: 3,
  growthBytes: GiB,
  webSocketRoundTrips: 300,
  extras: true,
};

export const QUICK: Plan = {
  wrkSeconds: 2,
  rounds: 1,
  concurrencies: [1, 100],
  downloadBytes: 20 * MiB,
  uploadBytes: 10 * MiB,
  echoBytes: 2 * MiB,
  transfers: 1,
  growthBytes: 32 * MiB,
  webSocketRoundTrips: 100,
  extras: false,
};

/** Issue 12's bars: localtunnel's ratios on this machine class, and absolute CPU/memory caps. */
export const TARGETS = {
  getC1Ratio: 0.11,
  getC100Ratio: 0.08,
  downloadRatio: 0.09,
  downloadMiBps: 300,
  uploadRatio: 0.09,
  uploadMiBps: 65,
  webSocketRatio: 1.5,
  cpuMsPerRequest: 0.75,
  cpuSecondsPerGiB: 2,
  connectorRssMiB: 80,
  /** "Neither process grows with body size": the window is 1 MiB per stream; GC adds noise. */
  rssGrowthMiB: 32,
} as const;

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

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

/** Where {@link measurePath} sends its load: direct, and one tunnel path with its processes. */
export interface TunnelPath {
  /** Prefixes every figure's key (`""` for the quick tunnel, `named_run.named4.` …). */
  keyPrefix: string;
  /** Prefixes every figure's label, e.g. `named tunnel, 4 conns: `. */
  labelPrefix: string;
  direct: { port: number; host: string };
  tunnel: { port: number; host: string };
  directHttp: HttpTarget;
  tunnelHttp: HttpTarget;
  workerdPids: number[];
  connectorPid: number;
  /** Which connector runs (the built bundle or the source under tsx), for the RSS rows. */
  connectorLabel: string;
  /** A folder for the upload and echo files. */
  scratch: string;
  /**
   * The runtime floor (runtime-floor.ts), measured beside the tunnel: small GETs at c=1, the
   * WebSocket round trip, and (as a sum of its parts, floorCpuPerGiB) CPU per GiB.
   */
  floor?: { port: number; host: string; http: HttpTarget; runtime: RuntimeFloor };
}

/** Every per-path figure of issue 12 for `subject`, at `plan`'s sizes. */
export async function measurePath(plan: Plan, subject: TunnelPath): Promise<Figure[]> {
  const { direct, tunnel, connectorPid, directHttp, tunnelHttp, scratch } = subject;
  const workerd = subject.workerdPids;
  const tunnelPids = [...workerd, connectorPid];
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

  // Bodies through curl, alternating direct and tunnel; the tunnel's CPU is summed over its runs.
  const upFile = path.join(scratch, "upload.bin");
  await writeFile(upFile, new Uint8Array(plan.uploadBytes).fill(0x62));
  const echoFile = path.join(scratch, "echo.bin");
  await writeFile(echoFile, new Uint8Array(plan.echoBytes).fill(0x65));
  const seconds = {
    direct: { down: [] as number[], up: [] as number[], echo: [] as number[] },
    tunnel: { down: [] as number[], up: [] as number[], echo: [] as number[] },
  };
  // One unmeasured round first, on both paths, as the floor has. A process's first large body
  // costs several times a warm one (session 7, 64 MiB: workerd 5.6–6.3 ms per MiB down, then
  // 1.1–1.6; a second tunnel on the same workerd starts warm at 1.4), which is start-up, not
  // per-GiB cost. Its CPU stays in the table, unjudged, so the start-up cost is not hidden.
  const coldCpu = {
    down: (
      await cpuDuring(tunnelPids, () => curlDownload(tunnel.port, tunnel.host, plan.downloadBytes))
    ).cpuSeconds,
    up: (
      await cpuDuring(tunnelPids, () =>
        curlPost(tunnel.port, tunnel.host, "/upload", upFile, plan.uploadBytes),
      )
    ).cpuSeconds,
  };
  await curlPost(tunnel.port, tunnel.host, "/echo", echoFile, plan.echoBytes);
  await curlDownload(direct.port, direct.host, plan.downloadBytes);
  await curlPost(direct.port, direct.host, "/upload", upFile, plan.uploadBytes);
  await curlPost(direct.port, direct.host, "/echo", echoFile, plan.echoBytes);
  const cpu = { down: 0, up: 0 };
  for (let i = 0; i < plan.transfers; i++) {
    for (const target of i % 2 === 0 ? [direct, tunnel] : [tunnel, direct]) {
      const into = seconds[target === tunnel ? "tunnel" : "direct"];
      const pids = target === tunnel ? tunnelPids : [];
      const down = await cpuDuring(pids, () =>
        curlDownload(target.port, target.host, plan.downloadBytes),
      );
      const up = await cpuDuring(pids, () =>
        curlPost(target.port, target.host, "/upload", upFile, plan.uploadBytes),
      );
      into.down.push(down.result);
      into.up.push(up.result);
      into.echo.push(await curlPost(target.port, target.host, "/echo", echoFile, plan.echoBytes));
      if (target === tunnel) {
        cpu.down += down.cpuSeconds;
        cpu.up += up.cpuSeconds;
      }
    }
  }
  const floorCpu =
    floor &&
    (await floorCpuPerGiB(floor.runtime, floor.http, {
      downloadBytes: plan.downloadBytes,
      uploadBytes: plan.uploadBytes,
      uploadFile: upFile,
      transfers: plan.transfers,
    }));
  const rate = (bytes: number, s: number[]) => bytes / MiB / median(s);
  const downMiBps = rate(plan.downloadBytes, seconds.tunnel.down);
  const upMiBps = rate(plan.uploadBytes, seconds.tunnel.up);
  // "No slower than the slower of upload and download": the echo moves its bytes both ways.
  const echoLimitSeconds = plan.echoBytes / MiB / Math.min(downMiBps, upMiBps);
  // The same rule for direct, from its own rates: curl echoing through a Node origin is slower
  // than its upload alone even with no tunnel (session 7: 0.06–0.08 s vs 0.045 s for 10 MiB).
  const directEchoLimitSeconds =
    plan.echoBytes /
    MiB /
    Math.min(
      rate(plan.downloadBytes, seconds.direct.down),
      rate(plan.uploadBytes, seconds.direct.up),
    );
  figures.push(
    {
      key: "download_mibps",
      label: `${plan.downloadBytes / MiB} MiB download (curl, median of ${plan.transfers})`,
      unit: "MiB/s",
      value: downMiBps,
      baseline: rate(plan.downloadBytes, seconds.direct.down),
      baselineName: "direct",
      targets: [
        { on: "ratio", op: ">=", limit: TARGETS.downloadRatio },
        { on: "value", op: ">=", limit: TARGETS.downloadMiBps },
      ],
    },
    {
      key: "upload_mibps",
      label: `${plan.uploadBytes / MiB} MiB upload (curl, median of ${plan.transfers})`,
      unit: "MiB/s",
      value: upMiBps,
      baseline: rate(plan.uploadBytes, seconds.direct.up),
      baselineName: "direct",
      targets: [
        { on: "ratio", op: ">=", limit: TARGETS.uploadRatio },
        { on: "value", op: ">=", limit: TARGETS.uploadMiBps },
      ],
    },
    {
      key: "echo_seconds",
      label: `${plan.echoBytes / MiB} MiB POST echoed back (curl)`,
      unit: "s",
      value: median(seconds.tunnel.echo),
      baseline: median(seconds.direct.echo),
      baselineName: "direct",
      targets: [{ on: "value", op: "<=", limit: echoLimitSeconds }],
      directMeetsOwnLimit: median(seconds.direct.echo) <= directEchoLimitSeconds,
    },
    {
      key: "cpu_s_per_gib_down",
      label: "tunnel CPU per GiB downloaded",
      unit: "s",
      value: cpu.down / ((plan.downloadBytes * plan.transfers) / GiB),
      targets: [{ on: "value", op: "<=", limit: TARGETS.cpuSecondsPerGiB }],
      floor: floorCpu?.down,
    },
    {
      key: "cpu_s_per_gib_down_cold",
      label: "  the first download, cold (the unmeasured round)",
      unit: "s",
      value: coldCpu.down / (plan.downloadBytes / GiB),
    },
    {
      key: "cpu_s_per_gib_up",
      label: "tunnel CPU per GiB uploaded",
      unit: "s",
      value: cpu.up / ((plan.uploadBytes * plan.transfers) / GiB),
      targets: [{ on: "value", op: "<=", limit: TARGETS.cpuSecondsPerGiB }],
      floor: floorCpu?.up,
    },
    {
      key: "cpu_s_per_gib_up_cold",
      label: "  the first upload, cold (the unmeasured round)",
      unit: "s",
      value: coldCpu.up / (plan.uploadBytes / GiB),
    },
  );

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

  // Flow control bounds what a stream holds: a large transfer must not grow either process by
  // more than a few MiB (1 MiB window per stream). RSS also moves with GC: a ceiling, not a count.
  const workerdPid = workerd[0] ?? 0;
  const growthLabel =
    plan.growthBytes >= GiB ? `${plan.growthBytes / GiB} GiB` : `${plan.growthBytes / MiB} MiB`;
  for (const direction of ["down", "up"] as const) {
    let connectorGrowth = 0;
    const transfer =
      direction === "down"
        ? () => curlDownload(tunnel.port, tunnel.host, plan.growthBytes)
        : // A Node client streams generated bytes: no 1 GiB file, and speed is not the point.
          () => tunnelHttp.upload("/upload", plan.growthBytes);
    const workerdGrowth = await rssGrowthDuring(workerdPid, async () => {
      connectorGrowth = await rssGrowthDuring(connectorPid, transfer);
    });
    const verb = direction === "down" ? "download" : "upload";
    for (const [name, growth] of [
      ["connector", connectorGrowth],
      ["workerd", workerdGrowth],
    ] as const) {
      figures.push({
        key: `rss_growth_${direction}_${name}_mib`,
        label: `${growthLabel} ${verb}: ${name} RSS growth`,
        unit: "MiB",
        value: growth,
        targets: [{ on: "value", op: "<=", limit: TARGETS.rssGrowthMiB }],
      });
    }
  }

  return figures.map((figure) => ({
    ...figure,
    key: `${subject.keyPrefix}${figure.key}`,
    // Indented rows ("  of which …") belong to the row above and keep their indent.
    label: figure.label.startsWith(" ") ? figure.label : `${subject.labelPrefix}${figure.label}`,
  }));
}

/**
 * `pnpm bench:profile`: where a tunnelled request's CPU goes, by stage, for the table in
 * scripts/bench/README.md. For each workload (small GET, download, upload, echo) it starts a fresh
 * connector from source (the split needs its modules' paths), runs the workload once to warm up,
 * counts every process's CPU from /proc over a second run, and splits the connector's CPU by the
 * stacks of a V8 profile taken over a third. workerd is split with baselines run
 * through the same stack: an unknown-hostname 404 (workerd's HTTP server + edge Worker) and, once the
 * connector is gone, a 530 "no connector" (edge Worker + route lookup + Durable Object hop). The
 * edge isolate (edge Worker and both Durable Object classes) gets a V8 profile of its own through
 * workerd's inspector (isolate-profile.ts), split by function.
 */
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { mallocTunables } from "@burrow/connector/malloc-tunables";
import { type Connector, startConnector, stopConnector } from "@burrow/connector/testing";
import { startLocalEdge } from "@burrow/local-edge";
import { startBenchOrigin } from "./bench-origin";
import { freePort, isolateRows, profileIsolate } from "./isolate-profile";
import { curlDownload, curlPost, ensureTool, wrk } from "./load-tools";
import { cpuSeconds, workerdPids } from "./measure";
import { runtimeCostRows } from "./runtime-costs";

const MiB = 1024 * 1024;
const quick = process.argv.includes("--quick");
const GET_SECONDS = quick ? 2 : 6;
const DOWNLOAD_BYTES = (quick ? 20 : 100) * MiB;
const UPLOAD_BYTES = (quick ? 10 : 50) * MiB;
const ECHO_BYTES = 10 * MiB;
const REPEATS = quick ? 1 : 2;

/** Profile nodes as V8 writes them (`.cpuprofile`, Chrome DevTools format). */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * The stage a sample belongs to: the first frame from the leaf up that one of Burrow's own layers
 * or libraries owns, so `socket.write` called by ws counts as WebSocket and the same call made by
 * http.request counts as the HTTP client.
 */
const OWNERS: Array<[stage: string, test: (url: string) => boolean]> = [
  ["frame encode/decode (@burrow/wire)", (url) => url.includes("/packages/wire/")],
  ["WebSocket send/receive (ws)", (url) => /\/node_modules\/.*\/(ws|bufferutil)\//.test(url)],
  // Plain-HTTP origins go through the connector's own client (origin-http1/), TLS ones node:https.
  [
    "HTTP client to origin (origin-http1/, node:http)",
    (url) => /^node:_http_/.test(url) || url.includes("/packages/connector/src/origin-http1/"),
  ],
  ["connector logic (src/)", (url) => url.includes("/packages/connector/src/")],
];

function splitProfile(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const stageOf = new Map<number, string>();
  const stage = (id: number): string => {
    const known = stageOf.get(id);
    if (known !== undefined) return known;
    const leaf = byId.get(id)!.callFrame.functionName;
    let found: string | undefined;
    for (
      let at: number | undefined = id;
      at !== undefined && found === undefined;
      at = parent.get(at)
    ) {
      const url = byId.get(at)!.callFrame.url;
      found = OWNERS.find(([, test]) => test(url))?.[0];
    }
    const leafUrl = byId.get(id)!.callFrame.url;
    const result =
      found ??
      (leaf === "(garbage collector)"
        ? "GC"
        : leaf === "(idle)"
          ? "(idle)"
          : leaf === "(program)"
            ? "native, no JS stack (V8, libuv, syscalls)"
            : /^node:(internal\/)?streams?\b/.test(leafUrl)
              ? "Node streams (not under ws/http frames)"
              : /^node:(net|internal\/stream_base_commons)/.test(leafUrl)
                ? "sockets (node:net)"
                : "Node runtime other (events, timers, tsx)");
    stageOf.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    const name = stage(profile.samples[i]!);
    totals.set(name, (totals.get(name) ?? 0) + delta);
  }
  totals.delete("(idle)");
  return totals;
}

interface Workload {
  name: string;
  /** What a "unit" is: a request, or a MiB of body moved through the tunnel. */
  unit: "request" | "MiB";
  run(tunnel: { port: number; host: string }): Promise<number>;
}

async function waitForFile(file: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    )
      return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function main(): Promise<void> {
  ensureTool("wrk");
  ensureTool("curl");
  const scratch = await mkdtemp(path.join(os.tmpdir(), "burrow-profile-"));
  const upFile = path.join(scratch, "up.bin");
  await writeFile(upFile, new Uint8Array(UPLOAD_BYTES).fill(0x62));
  const echoFile = path.join(scratch, "echo.bin");
  await writeFile(echoFile, new Uint8Array(ECHO_BYTES).fill(0x65));
  const origin = await startBenchOrigin();
  const inspectorPort = await freePort();
  const edge = await startLocalEdge({
    port: 0,
    inspectorPort,
    rateLimits: { "burrow-quick-tunnel": { MINT_RATE_LIMIT: { limit: 1_000_000, period: 60 } } },
  });
  const edgePort = Number(edge.url.port);
  const workerd = await workerdPids();
  const workerdCpu = async () =>
    (await Promise.all(workerd.map(cpuSeconds))).reduce((a, b) => a + b, 0);
  const workloads: Workload[] = [
    {
      name: "small GET (wrk c=100)",
      unit: "request",
      run: async (t) =>
        (await wrk({ ...t, path: "/small", connections: 100, seconds: GET_SECONDS })).requests,
    },
    {
      name: `${DOWNLOAD_BYTES / MiB} MiB download`,
      unit: "MiB",
      run: async (t) => {
        for (let i = 0; i < REPEATS; i++) await curlDownload(t.port, t.host, DOWNLOAD_BYTES);
        return (REPEATS * DOWNLOAD_BYTES) / MiB;
      },
    },
    {
      name: `${UPLOAD_BYTES / MiB} MiB upload`,
      unit: "MiB",
      run: async (t) => {
        for (let i = 0; i < REPEATS; i++)
          await curlPost(t.port, t.host, "/upload", upFile, UPLOAD_BYTES);
        return (REPEATS * UPLOAD_BYTES) / MiB;
      },
    },
    {
      name: `${ECHO_BYTES / MiB} MiB echo`,
      unit: "MiB",
      // Each echoed MiB crosses the tunnel twice; the unit is a MiB sent (and received back).
      run: async (t) => {
        for (let i = 0; i < REPEATS; i++)
          await curlPost(t.port, t.host, "/echo", echoFile, ECHO_BYTES);
        return (REPEATS * ECHO_BYTES) / MiB;
      },
    },
  ];
  const rows: string[] = [];
  let lastTunnel: { port: number; host: string } | undefined;
  try {
    // Baseline 1: workerd's HTTP server and the edge Worker answer an unknown hostname (the
    // hostname cache keeps negative entries, so after warm-up no D1 query is made).
    const edgeOnlyHost = { port: edgePort, host: `no-such-tunnel.localhost:${edgePort}` };
    await wrk({ ...edgeOnlyHost, path: "/", connections: 10, seconds: 1 });
    let before = await workerdCpu();
    const edgeOnly = await wrk({
      ...edgeOnlyHost,
      path: "/",
      connections: 100,
      seconds: GET_SECONDS,
    });
    const edgeOnlyUs = (((await workerdCpu()) - before) * 1e6) / edgeOnly.requests;

    for (const workload of workloads) {
      const profileFile = path.join(scratch, `${workloads.indexOf(workload)}.cpuprofile`);
      const connector: Connector = await startConnector({
        edge: edge.url,
        origin: origin.url,
        env: {
          NODE_OPTIONS: `--require=${path.join(import.meta.dirname, "cpu-profile-preload.cjs")}`,
          BURROW_CPU_PROFILE: profileFile,
          // As the launchers run it (malloc-tunables.ts).
          GLIBC_TUNABLES: mallocTunables(process.env.GLIBC_TUNABLES),
        },
      });
      const tunnel = { port: edgePort, host: `${connector.hostname}:${edgePort}` };
      lastTunnel = tunnel;
      const connectorPid = connector.process.pid!;
      // Warm-up: JIT (the workload itself once), the hostname cache, the origin's keep-alive pool.
      await wrk({ ...tunnel, path: "/small", connections: 10, seconds: 1 });
      await curlDownload(tunnel.port, tunnel.host, 4 * MiB);
      await workload.run(tunnel);

      // /proc CPU over a run without the connector's profiler (its sampling costs ≈ 25 %).
      const cpu0 = {
        w: await workerdCpu(),
        c: await cpuSeconds(connectorPid),
        o: process.cpuUsage(),
      };
      const units = await workload.run(tunnel);
      const o = process.cpuUsage(cpu0.o);
      const workerdUs = (((await workerdCpu()) - cpu0.w) * 1e6) / units;
      const connectorUs = (((await cpuSeconds(connectorPid)) - cpu0.c) * 1e6) / units;
      // The connector's split comes from another run, profiled; it gives shares only.
      connector.process.kill("SIGUSR2"); // profiler on
      await workload.run(tunnel);
      connector.process.kill("SIGUSR2"); // profiler off, profile written
      // The origin alone: the same workload straight to it, this process's CPU per unit.
      const direct0 = process.cpuUsage();
      const directUnits = await workload.run({
        port: Number(origin.url.port),
        host: origin.url.host,
      });
      const d = process.cpuUsage(direct0);
      const originAloneUs = (d.user + d.system) / directUnits;
      const originUs = ((o.user + o.system) * 1) / units; // this process: the origin (+ idle Miniflare host)

      // The edge isolate is profiled over a second run of the workload, because the profiler slows
      // what it samples: the /proc figures above come from the run without it.
      const isolate = await profileIsolate(inspectorPort, "core:user:burrow-edge", () =>
        workload.run(tunnel),
      );
      const written = await waitForFile(profileFile, 20_000);
      await stopConnector(connector);
      const stages = new Map<string, number>();
      if (written) {
        const profile = JSON.parse(await readFile(profileFile, "utf8")) as CpuProfile;
        const split = splitProfile(profile);
        const sampled = [...split.values()].reduce((a, b) => a + b, 0);
        // The profile gives shares of the main thread's time; /proc gives the CPU they add up to
        // (it also counts Node's helper threads, so GC and I/O threads are spread in proportion).
        for (const [name, us] of split) stages.set(name, (us / sampled) * connectorUs);
      }
      rows.push(
        `\n### ${workload.name}: CPU µs per ${workload.unit}`,
        "",
        "| stage | µs |",
        "|---|---:|",
        `| workerd total (/proc) | ${Math.round(workerdUs)} |`,
        ...(workload.unit === "request"
          ? [
              `| · of which workerd HTTP server + edge Worker (edge-only 404 baseline) | ${Math.round(edgeOnlyUs)} |`,
            ]
          : []),
        ...isolateRows(isolate.profile, isolate.result),
        `| connector total (/proc) | ${Math.round(connectorUs)} |`,
        ...[...stages.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([name, us]) => `| · ${name} | ${Math.round(us)} |`),
        `| bench process during the tunnel run (origin + Miniflare host) | ${Math.round(originUs)} |`,
        `| · origin alone (same workload direct, same process) | ${Math.round(originAloneUs)} |`,
        `| units measured | ${Math.round(units)} ${workload.unit}s |`,
      );
      console.error(`profile: ${workload.name} done`);
    }

    // Baseline 2: the last tunnel's connector is gone, so its Tunnel DO answers 530 itself from
    // its own storage (tunnel/deletion-check.ts): the edge Worker, the hop to the Tunnel DO and its
    // error page and request log. Until session 10 each such visitor also cost a D1 query.
    if (lastTunnel) {
      await wrk({ ...lastTunnel, path: "/small", connections: 10, seconds: 1 });
      before = await workerdCpu();
      const hop = await wrk({
        ...lastTunnel,
        path: "/small",
        connections: 100,
        seconds: GET_SECONDS,
      });
      const hopUs = (((await workerdCpu()) - before) * 1e6) / hop.requests;
      rows.push(
        "\n### baselines (workerd CPU µs per request, wrk c=100)",
        "",
        "| path | µs | req/s |",
        "|---|---:|---:|",
        `| unknown hostname → 404 (workerd's HTTP server + edge Worker) | ${Math.round(edgeOnlyUs)} | ${Math.round(edgeOnly.rps)} |`,
        `| tunnel without connector → 530 (+ hop to the Tunnel DO, its error page and log) | ${Math.round(hopUs)} | ${Math.round(hop.rps)} |`,
      );
    }
    rows.push(...(await runtimeCostRows(quick)));
    console.log(rows.join("\n"));
    console.log(
      `\nload average ${os
        .loadavg()
        .map((n) => n.toFixed(1))
        .join(" ")} on ${os.cpus().length} CPUs`,
    );
  } finally {
    await edge.dispose();
    await origin.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
process.exit(0);

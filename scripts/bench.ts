/**
 * `pnpm bench`: figures, not assertions. Every tunnel figure is measured next to the same
 * workload sent straight to the origin in the same run, and printed as a ratio. Prints a table,
 * then one JSON object (also written to .burrow/bench.json).
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startConnector, stopConnector } from "@burrow/connector/testing";
import { REPO_ROOT, startLocalEdge } from "@burrow/local-edge";
import { benchWire } from "../packages/wire/src/codec-bench";
import { benchNamedApi } from "../workers/api/bench/named-api-bench";
import { benchVpc } from "../workers/binding/bench/vpc-bench";
import { benchReaper } from "../workers/reaper/bench/reap-bench";
import { startBenchOrigin } from "./bench/bench-origin";
import { HttpTarget } from "./bench/http-target";
import { peakRssMiB, percentile, round, rssGrowthDuring, runLoad } from "./bench/measure";

const MiB = 1024 * 1024;
const results: Record<string, number> = {};
const rows: Array<[string, string, string, string]> = [];

function record(
  label: string,
  unit: string,
  direct: number | null,
  tunnel: number,
  key: string,
): void {
  results[`${key}.tunnel`] = round(tunnel);
  if (direct !== null) results[`${key}.direct`] = round(direct);
  const ratio = direct === null ? "" : `${round(tunnel / direct)}×`;
  rows.push([
    label,
    `${round(tunnel)} ${unit}`,
    direct === null ? "" : `${round(direct)} ${unit}`,
    ratio,
  ]);
}

async function workerdPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const { readFile } = await import("node:fs/promises");
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const parent = Number(stat.split(") ")[1]?.split(" ")[1]);
    if (cmdline.includes("workerd") && parent === process.pid) pids.push(Number(entry));
  }
  return pids;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((arg) => arg !== "--");
  const wants = (name: string) => only.length === 0 || only.includes(name);

  if (wants("wire")) {
    const wire = await benchWire();
    for (const [key, value] of Object.entries(wire)) results[`wire.${key}`] = round(value);
    for (const [key, value] of Object.entries(wire))
      rows.push([`wire ${key}`, String(round(value)), "", ""]);
  }

  if (wants("tunnel")) await benchTunnel();

  // Imported statically: a bench module that no longer loads fails the whole run.
  const suites = { reaper: benchReaper, vpc: benchVpc, "named-api": benchNamedApi } as const;
  for (const [name, bench] of Object.entries(suites)) {
    if (!wants(name)) continue;
    for (const [key, value] of Object.entries(await bench())) {
      results[`${name}.${key}`] = round(value);
      rows.push([`${name} ${key}`, String(round(value)), "", ""]);
    }
  }

  const width = [44, 18, 18, 10];
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(width[i]!)).join(" ");
  console.log(line(["measure", "through tunnel", "direct", "ratio"]));
  console.log(line(width.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log(JSON.stringify(results, null, 2));
  await mkdir(path.join(REPO_ROOT, ".burrow"), { recursive: true });
  await writeFile(
    path.join(REPO_ROOT, ".burrow/bench.json"),
    `${JSON.stringify(results, null, 2)}\n`,
  );
}

async function benchTunnel(): Promise<void> {
  const origin = await startBenchOrigin();
  const edge = await startLocalEdge({
    port: 0,
    // Minting as fast as possible is the point here, not the per-IP limit.
    rateLimits: { "burrow-quick-tunnel": { MINT_RATE_LIMIT: { limit: 1_000_000, period: 60 } } },
  });
  const connector = await startConnector({ edge: edge.url, origin: origin.url });
  const direct = new HttpTarget("direct", Number(origin.url.port), origin.url.host);
  const tunnel = new HttpTarget(
    "tunnel",
    Number(edge.url.port),
    `${connector.hostname}:${edge.url.port}`,
  );
  try {
    await tunnel.get("/small"); // warm up both paths once
    await direct.get("/small");

    for (const concurrency of [1, 10, 100]) {
      const count = concurrency === 1 ? 500 : 2_000;
      const measured: Record<string, { p50: number; p99: number; rps: number }> = {};
      for (const target of [direct, tunnel]) {
        const run = await runLoad(
          count,
          concurrency,
          20_000,
          async () => void (await target.get("/small")),
        );
        measured[target.name] = {
          p50: percentile(run.latenciesMs, 50),
          p99: percentile(run.latenciesMs, 99),
          rps: (run.completed / run.wallMs) * 1000,
        };
      }
      const [d, t] = [measured.direct!, measured.tunnel!];
      record(`small GET p50 @c${concurrency}`, "ms", d.p50, t.p50, `get_c${concurrency}_p50_ms`);
      record(`small GET p99 @c${concurrency}`, "ms", d.p99, t.p99, `get_c${concurrency}_p99_ms`);
      record(`small GET req/s @c${concurrency}`, "req/s", d.rps, t.rps, `get_c${concurrency}_rps`);
    }

    // What the local runtime costs before any tunnel work: a request the edge answers by itself
    // (unknown hostname, 404) goes through Miniflare's entry Worker and the edge Worker.
    const edgeOnly = new HttpTarget(
      "edge-only",
      Number(edge.url.port),
      `no-such-tunnel.localhost:${edge.url.port}`,
    );
    const edgeRun = await runLoad(2_000, 10, 20_000, async () => {
      await edgeOnly.get("/").catch(() => {});
    });
    edgeOnly.close();
    record(
      "edge-only 404 p50 @c10 (runtime baseline)",
      "ms",
      null,
      percentile(edgeRun.latenciesMs, 50),
      "edge_only_c10_p50_ms",
    );
    record(
      "edge-only 404 req/s @c10 (runtime baseline)",
      "req/s",
      null,
      (edgeRun.completed / edgeRun.wallMs) * 1000,
      "edge_only_c10_rps",
    );

    const size = 100 * MiB;
    const throughput: Record<string, { down: number; up: number }> = {};
    for (const target of [direct, tunnel]) {
      let t0 = performance.now();
      const got = await target.get(`/bytes?n=${size}`);
      if (got !== size) throw new Error(`${target.name} download got ${got} bytes`);
      const down = size / MiB / ((performance.now() - t0) / 1000);
      t0 = performance.now();
      const answer = await target.upload("/upload", size);
      if (Number(answer) !== size) throw new Error(`${target.name} upload stored ${answer} bytes`);
      const up = size / MiB / ((performance.now() - t0) / 1000);
      throughput[target.name] = { down, up };
    }
    record(
      "100 MiB download",
      "MiB/s",
      throughput.direct!.down,
      throughput.tunnel!.down,
      "download_100mib_mibps",
    );
    record(
      "100 MiB upload",
      "MiB/s",
      throughput.direct!.up,
      throughput.tunnel!.up,
      "upload_100mib_mibps",
    );

    // Flow control bounds what a stream holds: a 1 GiB transfer must not grow either process by
    // more than a few MiB (the window is 1 MiB per stream). RSS also moves with GC, so this is a
    // ceiling, not an exact count.
    const workerdPid = (await workerdPids())[0] ?? 0;
    const GiB = 1024 * MiB;
    const connectorPid = connector.process.pid ?? 0;
    let connectorGrowth = 0;
    const workerdDown = await rssGrowthDuring(workerdPid, async () => {
      connectorGrowth = await rssGrowthDuring(connectorPid, () => tunnel.get(`/bytes?n=${GiB}`));
    });
    record(
      "1 GiB download: connector RSS growth",
      "MiB",
      null,
      connectorGrowth,
      "gib_download_connector_rss_growth_mib",
    );
    record(
      "1 GiB download: workerd RSS growth",
      "MiB",
      null,
      workerdDown,
      "gib_download_workerd_rss_growth_mib",
    );
    const workerdUp = await rssGrowthDuring(workerdPid, async () => {
      connectorGrowth = await rssGrowthDuring(connectorPid, () => tunnel.upload("/upload", GiB));
    });
    record(
      "1 GiB upload: connector RSS growth",
      "MiB",
      null,
      connectorGrowth,
      "gib_upload_connector_rss_growth_mib",
    );
    record(
      "1 GiB upload: workerd RSS growth",
      "MiB",
      null,
      workerdUp,
      "gib_upload_workerd_rss_growth_mib",
    );

    const wsDirect = await direct.webSocketRoundTrips(300);
    const wsTunnel = await tunnel.webSocketRoundTrips(300);
    record(
      "WebSocket round trip p50",
      "ms",
      percentile(wsDirect, 50),
      percentile(wsTunnel, 50),
      "ws_rtt_p50_ms",
    );

    const burst: Record<string, number> = {};
    for (const target of [direct, tunnel]) {
      const t0 = performance.now();
      // One address may hold only 90 % of a tunnel's slots (fair share), so the burst comes from
      // ten, as a crowd of visitors would; CF-Connecting-IP is the client address locally.
      await Promise.all(
        Array.from({ length: 1_000 }, (_, i) =>
          target.get("/small", { "cf-connecting-ip": `192.0.2.${(i % 10) + 1}` }),
        ),
      );
      burst[target.name] = performance.now() - t0;
    }
    record(
      "1,000 concurrent GETs wall time",
      "ms",
      burst.direct!,
      burst.tunnel!,
      "burst_1000_wall_ms",
    );

    const mints = await runLoad(200, 4, 20_000, async () => {
      const response = await fetch(new URL("/tunnel", edge.url), { method: "POST" });
      if (!response.ok) throw new Error(`mint HTTP ${response.status}`);
      await response.arrayBuffer();
    });
    record(
      "quick-tunnel mints",
      "mints/s",
      null,
      (mints.completed / mints.wallMs) * 1000,
      "mints_per_s",
    );

    record(
      "connector peak RSS",
      "MiB",
      null,
      await peakRssMiB(connector.process.pid ?? 0),
      "connector_peak_rss_mib",
    );
    const workerdRss = await Promise.all((await workerdPids()).map(peakRssMiB));
    record("workerd peak RSS", "MiB", null, Math.max(...workerdRss), "workerd_peak_rss_mib");
  } finally {
    direct.close();
    tunnel.close();
    await stopConnector(connector);
    await edge.dispose();
    await origin.close();
  }
}

await main();
process.exit(0);

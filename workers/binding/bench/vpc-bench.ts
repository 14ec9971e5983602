/**
 * VPC services figures for `pnpm bench` (scripts/bench.ts imports {@link benchVpc}): latency of a
 * consumer Worker's call through its binding with a cold and a warm DNS cache, and throughput,
 * each next to the same request fetched directly by the same Worker (`/direct/…`), in one run;
 * and the floor: the same call through a service binding to a Worker that answers at once
 * (`/floor/…`, workers/binding/local/floor-worker.ts), what the runtime alone charges for the hop.
 */
import { benchConnector } from "../../../scripts/bench/connector-command";
import { HttpTarget } from "../../../scripts/bench/http-target";
import { percentile, runLoad } from "../../../scripts/bench/measure";
import { EXAMPLE_SERVICE_ID, startVpcStack } from "../local/vpc-stack";

const COLD = 30;
const WARM = 400;
const THROUGHPUT = 2_000;
const CONCURRENCY = 32;
const MAX_PHASE_MS = 20_000;

/** Runs the VPC benchmarks on a local stack and returns flat figures (ms, req/s). */
export async function benchVpc(options: { quick?: boolean } = {}): Promise<Record<string, number>> {
  // --quick: a tenth of the samples, so the whole quick bench stays under a minute.
  const scale = options.quick ? 0.1 : 1;
  const coldSamples = Math.ceil(COLD * scale);
  const warmRequests = Math.ceil(WARM * scale);
  const throughputRequests = Math.ceil(THROUGHPUT * scale);
  // TTL 0 is clamped to the cache's 5 s minimum; cold samples use a fresh name each time instead.
  const zone = Object.fromEntries(
    Array.from({ length: coldSamples }, (_, i) => [
      `cold-${i}.internal.test`,
      { A: ["127.0.0.1"] },
    ]),
  );
  // The built connector when there is one, as the tunnel section runs it (what users install).
  const connector = benchConnector();
  const stack = await startVpcStack({
    zone,
    floor: true,
    connectorCommand: connector.command,
    connectorEnv: connector.env,
  });
  const figures: Record<string, number> = {};
  // Straight to the consumer's own socket (Miniflare's getWorker().fetch adds ≈ 5 ms to every
  // call), with the tunnel section's keep-alive node:http client: every kind of call goes through
  // the same client and connection, so what differs between them is the Worker's call alone.
  const consumer = new HttpTarget(
    "consumer",
    Number(stack.consumerUrl.port),
    stack.consumerUrl.host,
  );
  const call = async (path: string) => {
    await consumer.get(path);
  };
  try {
    await stack.registerExampleService();
    for (let i = 0; i < 20; i++) {
      await call("/warmup");
      await call("/direct/warmup");
      await call("/floor/warmup");
    }

    const cold: number[] = [];
    for (let i = 0; i < coldSamples; i++) {
      const put = await stack.admin("PUT", `/${EXAMPLE_SERVICE_ID}`, {
        type: "http",
        name: "example-private-api",
        http_port: stack.origin.port,
        host: {
          hostname: `cold-${i}.internal.test`,
          resolver_network: { tunnel_id: stack.tunnelId },
        },
      });
      if (!put.ok) throw new Error(`PUT service: ${put.status}`);
      const started = performance.now();
      await call(`/cold/${i}`);
      cold.push(performance.now() - started);
    }
    cold.sort((a, b) => a - b);
    figures.cold_dns_p50_ms = percentile(cold, 50);
    figures.cold_dns_p99_ms = percentile(cold, 99);

    // Sequential calls, the three kinds interleaved (vpc, direct, floor, then floor, direct, vpc
    // …) so that all of them see the same machine load.
    const kinds = { warm: "/warm", direct: "/direct/warm", floor: "/floor/warm" };
    const latencies: Record<keyof typeof kinds, number[]> = { warm: [], direct: [], floor: [] };
    const order = Object.keys(kinds) as Array<keyof typeof kinds>;
    const started = performance.now();
    for (let i = 0; i < warmRequests && performance.now() - started < MAX_PHASE_MS; i++) {
      for (const kind of i % 2 === 0 ? order : [...order].reverse()) {
        const t0 = performance.now();
        await call(kinds[kind]);
        latencies[kind].push(performance.now() - t0);
      }
    }
    for (const [kind, samples] of Object.entries(latencies)) {
      samples.sort((a, b) => a - b);
      figures[`${kind}_p50_ms`] = percentile(samples, 50);
      figures[`${kind}_p99_ms`] = percentile(samples, 99);
    }

    // Throughput in halves, a/b/b/a: VPC, direct, direct, VPC.
    const half = Math.ceil(throughputRequests / 2);
    const totals = { vpc: { completed: 0, wallMs: 0 }, direct: { completed: 0, wallMs: 0 } };
    for (const kind of ["vpc", "direct", "direct", "vpc"] as const) {
      const path = kind === "vpc" ? "/load" : "/direct/load";
      const run = await runLoad(half, CONCURRENCY, MAX_PHASE_MS, () => call(path));
      totals[kind].completed += run.completed;
      totals[kind].wallMs += run.wallMs;
    }
    figures.throughput_rps = totals.vpc.completed / (totals.vpc.wallMs / 1000);
    figures.direct_throughput_rps = totals.direct.completed / (totals.direct.wallMs / 1000);
    figures.dns_questions_total = stack.dns.questions.length;
    return figures;
  } finally {
    consumer.close();
    await stack.close();
  }
}

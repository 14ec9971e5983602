/**
 * VPC services figures for `pnpm bench` (scripts/bench.ts imports {@link benchVpc}): latency of a
 * consumer Worker's call through its binding with a cold and a warm DNS cache, and throughput,
 * each next to the same request fetched directly by the same Worker (`/direct/…`), in one run.
 */
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
  const stack = await startVpcStack({ zone });
  const figures: Record<string, number> = {};
  const call = async (path: string) => {
    // Straight to the consumer's own socket: Miniflare's getWorker().fetch adds ≈ 5 ms to both
    // sides of every ratio, which would hide what the binding costs.
    const response = await fetch(`${stack.consumerUrl.origin}${path}`);
    if (response.status !== 200)
      throw new Error(`${path}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  try {
    await stack.registerExampleService();
    await call("/warmup");
    await call("/direct/warmup");

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

    const warm = await runLoad(warmRequests, 1, MAX_PHASE_MS, () => call("/warm"));
    const direct = await runLoad(warmRequests, 1, MAX_PHASE_MS, () => call("/direct/warm"));
    figures.warm_p50_ms = percentile(warm.latenciesMs, 50);
    figures.warm_p99_ms = percentile(warm.latenciesMs, 99);
    figures.direct_p50_ms = percentile(direct.latenciesMs, 50);
    figures.direct_p99_ms = percentile(direct.latenciesMs, 99);

    const load = await runLoad(throughputRequests, CONCURRENCY, MAX_PHASE_MS, () => call("/load"));
    const directLoad = await runLoad(throughputRequests, CONCURRENCY, MAX_PHASE_MS, () =>
      call("/direct/load"),
    );
    figures.throughput_rps = load.completed / (load.wallMs / 1000);
    figures.direct_throughput_rps = directLoad.completed / (directLoad.wallMs / 1000);
    figures.dns_questions_total = stack.dns.questions.length;
    return figures;
  } finally {
    await stack.close();
  }
}

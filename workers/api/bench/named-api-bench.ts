/**
 * `pnpm bench` figures for the management API (scripts/bench.ts imports {@link benchNamedApi}):
 * named-tunnel creates per second up to Cloudflare's 1,000 tunnels per account, list latency
 * (p50/p99) with those 1,000 tunnels, and DNS routes per second, all over HTTP through the edge's
 * apex as cloudflared and wrangler call it. Runnable alone with
 * `pnpm exec tsx workers/api/bench/named-api-bench.ts`.
 */
import { startLocalEdge, workerVars } from "@burrow/local-edge";
import { percentile, runLoad } from "../../../scripts/bench/measure";

/** Cloudflare's published limit: 1,000 tunnels per account. */
const TUNNELS = 1_000;
/** `--quick`: enough tunnels to exercise every phase in seconds. */
const QUICK_TUNNELS = 100;
const LIST_SAMPLES = 200;
const ROUTES = 500;
const CONCURRENCY = 8;
/** Each phase stops after this long even if its count is not reached (bounded in time). */
const MAX_PHASE_MS = 60_000;
const ADMIN_TOKEN = "bench-admin-token";

/** Runs the named-tunnel API benchmarks on a fresh local edge; flat figures (per s, ms). */
export async function benchNamedApi(
  options: { quick?: boolean } = {},
): Promise<Record<string, number>> {
  const tunnels = options.quick ? QUICK_TUNNELS : TUNNELS;
  const vars = workerVars("workers/api/wrangler.toml");
  const edge = await startLocalEdge({ port: 0, vars: { "burrow-api": { ADMIN_TOKEN } } });
  const base = new URL("client/v4/", edge.url);
  const tunnelsPath = `accounts/${vars.ACCOUNT_TAG}/cfd_tunnel`;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, base), {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as { result: unknown };
  };
  try {
    const ids: string[] = [];
    let created = 0;
    const creates = await runLoad(tunnels, CONCURRENCY, MAX_PHASE_MS, async () => {
      const n = created++;
      const { result } = await call("POST", tunnelsPath, { name: `bench-${n}` });
      ids.push((result as { id: string }).id);
    });

    const fullList = await runLoad(LIST_SAMPLES, 1, MAX_PHASE_MS, async () => {
      await call("GET", `${tunnelsPath}?per_page=${tunnels}`);
    });
    const firstPage = await runLoad(LIST_SAMPLES, 1, MAX_PHASE_MS, async () => {
      await call("GET", tunnelsPath);
    });

    let routed = 0;
    const routes = await runLoad(
      Math.min(ROUTES, ids.length),
      CONCURRENCY,
      MAX_PHASE_MS,
      async () => {
        const n = routed++;
        await call("PUT", `zones/${vars.ZONE_ID}/tunnels/${ids[n]}/routes`, {
          type: "dns",
          user_hostname: `bench-${n}.${vars.ZONE}`,
          overwrite_existing: false,
        });
      },
    );

    return {
      tunnels: ids.length,
      creates_per_s: creates.completed / (creates.wallMs / 1000),
      [`list_${tunnels}_p50_ms`]: percentile(fullList.latenciesMs, 50),
      [`list_${tunnels}_p99_ms`]: percentile(fullList.latenciesMs, 99),
      list_page_p50_ms: percentile(firstPage.latenciesMs, 50),
      list_page_p99_ms: percentile(firstPage.latenciesMs, 99),
      route_dns_per_s: routes.completed / (routes.wallMs / 1000),
    };
  } finally {
    await edge.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchNamedApi());
}

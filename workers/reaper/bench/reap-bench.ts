/**
 * `pnpm bench` figures for the reaper: seeds stale quick tunnels into a local edge's D1 (all
 * Workers in one Miniflare, as `pnpm dev` runs them), fires the reaper's cron until none is left,
 * and reports tunnels reaped per second. Imported by the root scripts/bench.ts; runnable alone
 * with `pnpm exec tsx workers/reaper/bench/reap-bench.ts`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startLocalEdge } from "@burrow/local-edge";

/**
 * Stale tunnels seeded per measurement: the "at least 10,000 in one run". Every reaped
 * tunnel's Durable Object is claimed and erased; `erase` resets its object, so the one workerd
 * process does not keep thousands of idle SQLite databases open (it hit SQLITE_NOMEM past ~3,600).
 */
const TUNNEL_COUNT = Number(process.env.REAP_BENCH_TUNNELS ?? 10_000);
/** `memory` keeps D1 and Durable Objects in memory, as the tests do; anything else, on disk. */
const STORAGE = process.env.REAP_BENCH_STORAGE === "memory" ? "memory" : "disk";
const FIVE_MINUTES_MS = 300_000;
/** `pnpm bench -- --quick` seeds this many: enough to exercise the batches, seconds not minutes. */
const QUICK_TUNNELS = 50;

export async function benchReaper(
  options: { quick?: boolean } = {},
): Promise<Record<string, number>> {
  const tunnels = options.quick ? Math.min(QUICK_TUNNELS, TUNNEL_COUNT) : TUNNEL_COUNT;
  // On disk by default, as `pnpm dev` runs; REAP_BENCH_STORAGE=memory measures the tests' setup.
  const state = await mkdtemp(path.join(os.tmpdir(), "burrow-reap-bench-"));
  const edge = await startLocalEdge({
    port: 0,
    persistTo: STORAGE === "disk" ? state : undefined,
  });
  try {
    const db = await edge.miniflare.getD1Database("DB");
    const reaper = await edge.miniflare.getWorker("burrow-reaper");
    const now = Date.now();
    const rows = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)`;
    const id = `'b0000000-0000-4000-8000-' || printf('%012d', i)`;
    await db.batch([
      db
        .prepare(
          `${rows} INSERT INTO tunnels (id, account_tag, name, kind, secret_hash, created_at,
             deleted_at, conns_inactive_at)
           SELECT ${id}, 'bench', 'qt-' || i, 'quick', '00', ?2, NULL, ?2 FROM n`,
        )
        .bind(tunnels, now - 2 * FIVE_MINUTES_MS),
      db
        .prepare(
          `${rows} INSERT INTO dns_records (hostname, tunnel_id, type, content, created_at)
           SELECT 'bench-' || i || '.localhost', ${id}, 'CNAME', 'x.cfargotunnel.com', ?2 FROM n`,
        )
        .bind(tunnels, now - 2 * FIVE_MINUTES_MS),
    ]);

    const live = async () =>
      (
        await db
          .prepare(
            "SELECT COUNT(*) AS n FROM tunnels WHERE account_tag = 'bench' AND deleted_at IS NULL",
          )
          .first<{ n: number }>()
      )?.n ?? 0;
    let runs = 0;
    let firstRunReaped = 0;
    const started = performance.now();
    while ((await live()) > 0 && runs < 20) {
      await reaper.scheduled({ scheduledTime: new Date(now + runs * 60_000), cron: "* * * * *" });
      runs++;
      if (runs === 1) firstRunReaped = tunnels - (await live());
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      [`reaper: stale tunnels (${STORAGE})`]: tunnels,
      "reaper: runs": runs,
      "reaper: reaped in first run": firstRunReaped,
      "reaper: tunnels reaped/s": Math.round(tunnels / seconds),
    };
  } finally {
    await edge.dispose();
    await rm(state, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await benchReaper());
}

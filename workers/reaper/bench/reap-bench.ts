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
 * Stale tunnels seeded per measurement. Locally every Durable Object is a SQLite database inside the
 * one workerd process, which fails with SQLITE_NOMEM past about 3,500 of them (production objects
 * do not share a process), so the default stays below that; the reaper logs such failures and
 * retries them next run, which a larger REAP_BENCH_TUNNELS shows.
 */
const TUNNELS = Number(process.env.REAP_BENCH_TUNNELS ?? 2_000);
const FIVE_MINUTES_MS = 300_000;

export async function benchReaper(): Promise<Record<string, number>> {
  // On disk: workerd keeps in-memory Durable Object SQLite databases for the life of the process
  // and runs out of SQLite memory after a few thousand objects; production objects do not share it.
  const state = await mkdtemp(path.join(os.tmpdir(), "burrow-reap-bench-"));
  const edge = await startLocalEdge({ port: 0, persistTo: state });
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
        .bind(TUNNELS, now - 2 * FIVE_MINUTES_MS),
      db
        .prepare(
          `${rows} INSERT INTO dns_records (hostname, tunnel_id, type, content, created_at)
           SELECT 'bench-' || i || '.localhost', ${id}, 'CNAME', 'x.cfargotunnel.com', ?2 FROM n`,
        )
        .bind(TUNNELS, now - 2 * FIVE_MINUTES_MS),
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
      if (runs === 1) firstRunReaped = TUNNELS - (await live());
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      "reaper: stale tunnels": TUNNELS,
      "reaper: runs": runs,
      "reaper: reaped in first run": firstRunReaped,
      "reaper: tunnels reaped/s": Math.round(TUNNELS / seconds),
    };
  } finally {
    await edge.dispose();
    await rm(state, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await benchReaper());
}

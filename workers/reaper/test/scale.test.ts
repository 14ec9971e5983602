import { env } from "cloudflare:workers";
import { listReapableQuickTunnels, reapTunnels } from "@burrow/registry";
import { describe, expect, it } from "vitest";
import { reapStaleTunnels } from "../src/reap";
import { reaperConfigFrom } from "../src/reaper-config";
import { FIVE_MINUTES_MS } from "./helpers";

/**
 * Inserts `count` stale quick tunnels with one hostname each in two statements (a recursive CTE
 * generates the rows), so seeding 10,000 takes milliseconds.
 */
async function seedStaleTunnels(
  prefix: string,
  count: number,
  inactiveSince: number,
): Promise<void> {
  const ids = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)`;
  const id = `?1 || printf('%012d', i)`;
  await env.DB.batch([
    env.DB.prepare(
      `${ids} INSERT INTO tunnels (id, account_tag, name, kind, secret_hash, created_at, deleted_at,
         conns_inactive_at)
       SELECT ${id}, 'acct', 'qt-' || i, 'quick', '00', ?3, NULL, ?3 FROM n`,
    ).bind(prefix, count, inactiveSince),
    env.DB.prepare(
      `${ids} INSERT INTO dns_records (hostname, tunnel_id, type, content, zone_record_id, created_at)
       SELECT ${id} || '.localhost', ${id}, 'CNAME', 'x.cfargotunnel.com', NULL, ?3 FROM n`,
    ).bind(prefix, count, inactiveSince),
  ]);
}

async function countLive(prefix: string): Promise<{ tunnels: number; dnsRecords: number }> {
  const [tunnels, records] = await env.DB.batch<{ n: number }>([
    env.DB.prepare(
      "SELECT COUNT(*) AS n FROM tunnels WHERE id LIKE ?1 || '%' AND deleted_at IS NULL",
    ).bind(prefix),
    env.DB.prepare("SELECT COUNT(*) AS n FROM dns_records WHERE tunnel_id LIKE ?1 || '%'").bind(
      prefix,
    ),
  ]);
  return { tunnels: tunnels?.results[0]?.n ?? -1, dnsRecords: records?.results[0]?.n ?? -1 };
}

describe("reaping at scale", () => {
  it("soft-deletes 10,000 tunnels in D1 in statements of at most 100 bound parameters", async () => {
    // D1 rejects a statement with 101 parameters, so finishing at all proves the batching.
    const prefix = "10000000-0000-4000-8000-";
    const now = Date.now();
    await seedStaleTunnels(prefix, 10_000, now - 2 * FIVE_MINUTES_MS);
    const ids = Array.from(
      { length: 10_000 },
      (_, i) => `${prefix}${String(i + 1).padStart(12, "0")}`,
    );

    const reaped = await reapTunnels(env.DB, ids, now, { inactiveBefore: now - FIVE_MINUTES_MS });

    expect(reaped).toHaveLength(10_000);
    expect(await countLive(prefix)).toEqual({ tunnels: 0, dnsRecords: 0 });
  });

  it("lists 10,000 stale tunnels with their hostnames in one page", async () => {
    const prefix = "30000000-0000-4000-8000-";
    const now = Date.now();
    await seedStaleTunnels(prefix, 10_000, now - 3 * FIVE_MINUTES_MS);
    const listed = await listReapableQuickTunnels(env.DB, {
      inactiveBefore: now - 2 * FIVE_MINUTES_MS - 1,
      limit: 10_000,
    });
    expect(listed).toHaveLength(10_000);
    expect(listed.every((tunnel) => tunnel.dnsRecords.length === 1)).toBe(true);
    // Out of the way of the next test, which runs the whole reaper.
    await reapTunnels(
      env.DB,
      listed.map((tunnel) => tunnel.id),
      now,
      { inactiveBefore: now },
    );
  });

  it("stops at its subrequest budget and takes what is left on the next runs", async () => {
    const prefix = "20000000-0000-4000-8000-";
    const now = Date.now();
    // Older than every other seeded tunnel here, so the reaper's oldest-first pages start with them.
    await seedStaleTunnels(prefix, 200, now - 10 * FIVE_MINUTES_MS);
    const config = { ...reaperConfigFrom(env), batchSize: 50, maxSubrequests: 150 };

    const reports = [];
    for (let run = 0; run < 10; run++) {
      const report = await reapStaleTunnels(env, now + run * 60_000, config);
      reports.push(report);
      expect(report.subrequests).toBeLessThanOrEqual(config.maxSubrequests);
      if (!report.leftOver || (await countLive(prefix)).tunnels === 0) break;
    }

    expect(reports.length).toBeGreaterThan(2);
    expect(reports[0]?.leftOver).toBe(true);
    expect(reports[0]?.reaped.length).toBeGreaterThan(0);
    expect(await countLive(prefix)).toEqual({ tunnels: 0, dnsRecords: 0 });
  });
});

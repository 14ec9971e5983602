import { env } from "cloudflare:workers";
import { getTunnel, PURGED_SECRET_HASH } from "@burrow/registry";
import { describe, expect, it } from "vitest";
import { reapStaleTunnels } from "../src/reap";
import { reaperConfigFrom } from "../src/reaper-config";
import { connect, FIVE_MINUTES_MS, runReaper, seedTunnel } from "./helpers";

const DAY_MS = 86_400_000;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** `count` quick tunnels soft-deleted at `deletedAt`, written in one statement. */
async function seedDeletedTunnels(prefix: string, count: number, deletedAt: number) {
  await env.DB.prepare(
    `INSERT INTO tunnels
       (id, account_tag, name, kind, secret_hash, created_at, deleted_at, conns_inactive_at)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
     SELECT printf('%s%012d', ?1, i), 'retention', printf('qt-%d', i), 'quick',
       '${"ab".repeat(32)}', ?3, ?3, ?3
     FROM n`,
  )
    .bind(prefix, count, deletedAt)
    .run();
}

async function hashesLeft(prefix: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM tunnels WHERE id LIKE ?1 || '%' AND secret_hash <> ''",
  )
    .bind(prefix)
    .first<{ n: number }>();
  return row?.n ?? -1;
}

describe("secret retention", () => {
  // Regression: a reaped (soft-deleted) tunnel kept its secret hash forever.
  it("erases a reaped tunnel's secret hash once PURGE_SECRET_AFTER_DAYS (30) have passed", async () => {
    const tunnel = await seedTunnel({ createdAt: Date.now() });
    const reapedAt = Date.now() + 2 * FIVE_MINUTES_MS;
    await runReaper(reapedAt);
    const reaped = await getTunnel(env.DB, tunnel.id);
    expect(reaped?.deletedAt).toBe(reapedAt);
    expect(reaped?.secretHash).toMatch(HEX_SHA256);

    await runReaper(reapedAt + 30 * DAY_MS - 60_000);
    expect((await getTunnel(env.DB, tunnel.id))?.secretHash).toMatch(HEX_SHA256);

    await runReaper(reapedAt + 30 * DAY_MS + 60_000);
    const purged = await getTunnel(env.DB, tunnel.id);
    expect(purged).toMatchObject({ id: tunnel.id, deletedAt: reapedAt });
    expect(purged?.secretHash).toBe(PURGED_SECRET_HASH);
    // The old secret opens nothing: refused like any wrong secret.
    const response = await connect(tunnel);
    expect(response.status).toBe(401);
  });

  it("follows PURGE_SECRET_AFTER_DAYS and never touches a live tunnel", async () => {
    const live = await seedTunnel({ kind: "named", createdAt: Date.now() - 400 * DAY_MS });
    const doomed = await seedTunnel({ createdAt: Date.now() });
    const reapedAt = Date.now() + 2 * FIVE_MINUTES_MS;
    await runReaper(reapedAt, { PURGE_SECRET_AFTER_DAYS: "1" });
    await runReaper(reapedAt + DAY_MS + 60_000, { PURGE_SECRET_AFTER_DAYS: "1" });
    expect((await getTunnel(env.DB, doomed.id))?.secretHash).toBe(PURGED_SECRET_HASH);
    expect((await getTunnel(env.DB, live.id))?.secretHash).toMatch(HEX_SHA256);
  });

  it("purges 1,200 expired secrets within the run's subrequest budget, the rest next run", async () => {
    const prefix = "40000000-0000-4000-8000-";
    const now = Date.now();
    await seedDeletedTunnels(prefix, 1_200, now - 31 * DAY_MS);
    // Listing the (absent) stale tunnels costs 1 + 500 / 100 = 6; two 500-row purges fit in 8.
    const config = { ...reaperConfigFrom(env), maxSubrequests: 8 };
    const first = await reapStaleTunnels(env, now, config);
    expect(first.subrequests).toBeLessThanOrEqual(8);
    expect(first.purged).toBe(1_000);
    expect(await hashesLeft(prefix)).toBe(200);
    const second = await reapStaleTunnels(env, now + 60_000, config);
    expect(second.subrequests).toBeLessThanOrEqual(8);
    expect(second.purged).toBe(200);
    expect(await hashesLeft(prefix)).toBe(0);
  });
});

import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createTunnel,
  getTunnel,
  listReapableQuickTunnels,
  markConnected,
  markDisconnected,
  markTunnelDeleted,
  setZoneRecordId,
} from "../src";
import { REAPABLE_QUICK_TUNNELS_SQL } from "../src/tunnels";
import { cname, newTunnel, T0 } from "./fixtures";

const db = env.DB;
const FIVE_MINUTES_MS = 5 * 60 * 1000;

// Storage is isolated per test file but shared by the tests in it; each test here asserts the
// complete answer of the query, so it starts from empty tables.
beforeEach(async () => {
  await db.batch([db.prepare("DELETE FROM tunnels"), db.prepare("DELETE FROM audit_log")]);
});

describe("listReapableQuickTunnels", () => {
  it("returns only quick, non-deleted tunnels inactive before the cutoff, oldest first", async () => {
    const now = T0 + 60 * 60 * 1000;
    const cutoff = now - FIVE_MINUTES_MS;

    const neverConnected = newTunnel({ createdAt: T0 });
    const disconnectedLongAgo = newTunnel({ createdAt: T0 - 1000 });
    const disconnectedRecently = newTunnel({ createdAt: T0 });
    const connected = newTunnel({ createdAt: T0 });
    const named = newTunnel({ createdAt: T0, kind: "named" });
    const deleted = newTunnel({ createdAt: T0 });
    const createdRecently = newTunnel({ createdAt: now - 1000 });
    for (const tunnel of [
      neverConnected,
      disconnectedLongAgo,
      disconnectedRecently,
      connected,
      named,
      deleted,
      createdRecently,
    ]) {
      await createTunnel(db, tunnel);
    }
    await markConnected(db, disconnectedLongAgo.id, T0 + 1);
    await markDisconnected(db, disconnectedLongAgo.id, T0 + 2);
    await markConnected(db, disconnectedRecently.id, T0 + 1);
    await markDisconnected(db, disconnectedRecently.id, now - 1000);
    await markConnected(db, connected.id, T0 + 1);
    await markTunnelDeleted(db, deleted.id, T0 + 1);

    const reapable = await listReapableQuickTunnels(db, { inactiveBefore: cutoff, limit: 100 });

    // neverConnected has been inactive since T0, disconnectedLongAgo since T0 + 2.
    expect(reapable.map((tunnel) => tunnel.id)).toEqual([
      neverConnected.id,
      disconnectedLongAgo.id,
    ]);
  });

  it("returns each tunnel with its DNS records and honours the limit", async () => {
    const tunnels = [newTunnel({ createdAt: T0 }), newTunnel({ createdAt: T0 + 1 })];
    for (const [index, tunnel] of tunnels.entries()) {
      await createTunnel(db, tunnel, cname(`reap-me-${index}.example.com`, tunnel.id));
    }
    await setZoneRecordId(db, "reap-me-0.example.com", "zone-record-0");

    const [oldest, ...rest] = await listReapableQuickTunnels(db, {
      inactiveBefore: T0 + FIVE_MINUTES_MS,
      limit: 1,
    });

    expect(rest).toEqual([]);
    expect(oldest?.id).toBe(tunnels[0]?.id);
    expect(oldest?.dnsRecords).toMatchObject([
      { hostname: "reap-me-0.example.com", zoneRecordId: "zone-record-0" },
    ]);
  });

  it("answers from the tunnels_reap index instead of scanning tunnels", async () => {
    const plan = await db
      .prepare(`EXPLAIN QUERY PLAN ${REAPABLE_QUICK_TUNNELS_SQL}`)
      .bind(T0, 100)
      .all<{ detail: string }>();
    const details = plan.results.map((step) => step.detail);

    expect(details.some((detail) => detail.includes("USING INDEX tunnels_reap"))).toBe(true);
    expect(details.some((detail) => /^SCAN tunnels\b(?! USING)/.test(detail))).toBe(false);
    // Rows come out of the index already ordered by conns_inactive_at: no sort step.
    expect(details.some((detail) => detail.includes("TEMP B-TREE"))).toBe(false);
  });

  it("stops listing a quick tunnel once it reconnects", async () => {
    const tunnel = newTunnel({ createdAt: T0 });
    await createTunnel(db, tunnel);
    await markConnected(db, tunnel.id, T0 + FIVE_MINUTES_MS);

    const reapable = await listReapableQuickTunnels(db, {
      inactiveBefore: T0 + 2 * FIVE_MINUTES_MS,
      limit: 100,
    });

    expect(reapable).toEqual([]);
    expect((await getTunnel(db, tunnel.id))?.connsInactiveAt).toBeNull();
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createTunnel,
  getTunnel,
  hashSecret,
  markTunnelDeleted,
  PURGE_DELETED_SECRETS_SQL,
  PURGED_SECRET_HASH,
  purgeDeletedSecrets,
  secretMatches,
} from "../src";
import { newTunnel, T0 } from "./fixtures";

const db = env.DB;
const DAY_MS = 86_400_000;

async function deletedTunnel(deletedAt: number, secret = new Uint8Array(32)): Promise<string> {
  const tunnel = newTunnel({ createdAt: deletedAt - 1, secretHash: await hashSecret(secret) });
  await createTunnel(db, tunnel);
  expect(await markTunnelDeleted(db, tunnel.id, deletedAt)).toBe(true);
  return tunnel.id;
}

describe("purgeDeletedSecrets", () => {
  it("erases the secret hash of tunnels deleted before the cutoff and nothing else", async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const old = await deletedTunnel(T0, secret);
    const recent = await deletedTunnel(T0 + 31 * DAY_MS);
    const live = newTunnel({ createdAt: T0 - DAY_MS, secretHash: "a".repeat(64) });
    await createTunnel(db, live);

    const { purged, leftOver } = await purgeDeletedSecrets(db, {
      deletedBefore: T0 + 30 * DAY_MS,
      limit: 100,
      maxStatements: 10,
    });
    expect(purged).toContain(old);
    expect(purged).not.toContain(recent);
    expect(purged).not.toContain(live.id);
    expect(leftOver).toBe(false);

    const purgedRow = await getTunnel(db, old);
    expect(purgedRow).toMatchObject({ id: old, deletedAt: T0, secretHash: PURGED_SECRET_HASH });
    expect(await secretMatches(secret, purgedRow?.secretHash ?? "")).toBe(false);
    expect((await getTunnel(db, recent))?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect((await getTunnel(db, live.id))?.secretHash).toBe("a".repeat(64));
  });

  it("purges 250 tunnels in statements of a bounded size and reports what is left", async () => {
    const at = T0 - 400 * DAY_MS;
    const ids = new Set<string>();
    for (let i = 0; i < 250; i++) ids.add(await deletedTunnel(at + i));
    const first = await purgeDeletedSecrets(db, {
      deletedBefore: at + 1000,
      limit: 100,
      maxStatements: 2,
    });
    expect(first.purged).toHaveLength(200);
    expect(first.leftOver).toBe(true);
    const second = await purgeDeletedSecrets(db, {
      deletedBefore: at + 1000,
      limit: 100,
      maxStatements: 2,
    });
    expect(second.purged).toHaveLength(50);
    expect(second.leftOver).toBe(false);
    expect(new Set([...first.purged, ...second.purged])).toEqual(ids);
    // Purged rows are not visited again.
    const third = await purgeDeletedSecrets(db, {
      deletedBefore: at + 1000,
      limit: 100,
      maxStatements: 2,
    });
    expect(third.purged).toEqual([]);
  });

  it("finds its rows through the partial index tunnels_secret_purge, not a scan", async () => {
    const plan = await db
      .prepare(`EXPLAIN QUERY PLAN ${PURGE_DELETED_SECRETS_SQL}`)
      .bind(T0, 100)
      .all<{ detail: string }>();
    const details = plan.results.map((step) => step.detail);
    expect(details.some((detail) => detail.includes("USING INDEX tunnels_secret_purge"))).toBe(
      true,
    );
    expect(details.some((detail) => /^SCAN tunnels\b(?! USING)/.test(detail))).toBe(false);
  });
});

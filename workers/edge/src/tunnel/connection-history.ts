import type { ConnectionRecord, DroppedConnection } from "@burrow/tunnel-contract";

/**
 * Cloudflare keeps a dropped connection listed with `is_pending_reconnect: true` for several
 * minutes (CLOUDFLARE-COMPAT.md); Burrow keeps it five, the same grace the reaper gives a quick
 * tunnel before it counts as gone.
 */
export const PENDING_RECONNECT_MS = 5 * 60_000;
/** 25 connectors × 4 connections: one full set of drops; older ones fall off first. */
const MAX_DROPPED = 100;
const DROPPED_KEY = "droppedConnections";

/** The drops still within {@link PENDING_RECONNECT_MS} of `now`, oldest first. */
export function recentDrops(kv: SyncKvStorage, now: number): DroppedConnection[] {
  const drops = kv.get<DroppedConnection[]>(DROPPED_KEY) ?? [];
  return drops.filter((drop) => now - drop.droppedAt < PENDING_RECONNECT_MS);
}

/** Remembers that a connection closed at `now`, pruning expired and excess entries. */
export function rememberDropped(kv: SyncKvStorage, record: ConnectionRecord, now: number): void {
  const drops = recentDrops(kv, now).filter((drop) => drop.connectionId !== record.connectionId);
  drops.push({ ...record, droppedAt: now });
  kv.put(DROPPED_KEY, drops.slice(-MAX_DROPPED));
}

/**
 * Forgets the drops of one connector, or of all when `connectorId` is undefined: a connection
 * cleaned up through the API is not pending a reconnect.
 */
export function forgetDrops(kv: SyncKvStorage, now: number, connectorId?: string): void {
  const kept =
    connectorId === undefined
      ? []
      : recentDrops(kv, now).filter((drop) => drop.connectorId !== connectorId);
  kv.put(DROPPED_KEY, kept);
}

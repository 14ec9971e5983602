import { markConnected, markDisconnected } from "@burrow/registry";
import type { ConnectionRecord } from "@burrow/tunnel-contract";
import { CLOSE_CODES } from "@burrow/wire";
import type { TunnelConnection } from "../connection/tunnel-connection";
import {
  type ConnectionDirectory,
  type ConnectorArrival,
  newConnectionRecord,
} from "./connection-directory";
import { forgetDrops, rememberDropped } from "./connection-history";
import type { Reaping } from "./reaping";

/** 25 replicas × 4 HA connections, Cloudflare's published per-tunnel maximum. */
const MAX_CONNECTIONS_PER_TUNNEL = 100;

/** What `admit` answers the edge's /connect: the record to accept the socket with, or a refusal. */
export type Admission =
  | { ok: true; record: ConnectionRecord }
  | { ok: false; status: 410 | 429; error: string };

/** The connection object holding one of the tunnel's connections. */
export type ConnectionObject = (record: ConnectionRecord) => DurableObjectStub<TunnelConnection>;

/**
 * Connectors attaching and leaving, and the registry's view of it: the first connection marks the
 * tunnel connected in D1, the last close marks it idle, each drop is remembered for the management
 * API (connection-history.ts). The sockets themselves live in connection objects, which report to
 * the directory; this class keeps the directory and D1 in step with those reports.
 */
export class Presence {
  readonly #env: Env;
  readonly #ctx: DurableObjectState;
  readonly #directory: ConnectionDirectory;
  readonly #reaping: Reaping;
  readonly #objectOf: ConnectionObject;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(
    ctx: DurableObjectState,
    env: Env,
    directory: ConnectionDirectory,
    reaping: Reaping,
    objectOf: ConnectionObject,
  ) {
    this.#ctx = ctx;
    this.#env = env;
    this.#directory = directory;
    this.#reaping = reaping;
    this.#objectOf = objectOf;
  }

  /**
   * Whether a connector is attached or attaching: such a tunnel is not idle. An admitted
   * connection is listed before D1 is asked, so the reaper cannot claim the tunnel in between.
   */
  get busy(): boolean {
    return this.#directory.size > 0;
  }

  /** A connector's upgrade, authenticated by the edge: the record to accept it with, or 410/429. */
  async admit(arrival: ConnectorArrival): Promise<Admission> {
    if (this.#reaping.refusesConnections)
      return { ok: false, status: 410, error: "tunnel deleted" };
    if (this.#directory.size >= MAX_CONNECTIONS_PER_TUNNEL) {
      return { ok: false, status: 429, error: "too many connections for this tunnel" };
    }
    const now = Date.now();
    const first = this.#directory.size === 0;
    const record = newConnectionRecord(arrival, now);
    this.#directory.add(record, now);
    // The first connection flips D1 to "connected". markConnected refuses a deleted tunnel, which
    // is how a connector racing the reaper is turned away instead of attaching to a dead tunnel.
    if (first) {
      const accepted = await this.#write(() => markConnected(this.#env.DB, arrival.tunnelId, now));
      if (!accepted) {
        this.#directory.remove(record.connectionId);
        return { ok: false, status: 410, error: "tunnel deleted" };
      }
    }
    this.#reaping.markActive(now);
    return { ok: true, record };
  }

  /**
   * Unlists a connection that closed: its drop is remembered (`remember`; a cleaned-up one is
   * not pending a reconnect), and D1 goes idle when it was the last. False when not listed.
   */
  async closed(connectionId: string, remember = true): Promise<boolean> {
    const record = this.#directory.remove(connectionId);
    if (!record || this.#reaping.erased) return record !== null;
    const now = Date.now();
    this.#reaping.markActive(now);
    if (remember) rememberDropped(this.#ctx.storage.kv, record, now);
    await this.#write(async () => {
      // Decided when the write runs, not when it was queued: a connector may have attached since.
      if (this.#directory.size > 0) return;
      await markDisconnected(this.#env.DB, record.tunnelId, Date.now());
    });
    return true;
  }

  /**
   * Closes the live connections of one connector, or all when `connectorId` is undefined, and
   * forgets their drops (cleaned up, not pending a reconnect); `tunnelDeleted` closes with 4410.
   */
  async disconnect(connectorId: string | undefined, tunnelDeleted: boolean): Promise<number> {
    const closing = this.#directory
      .all()
      .filter((record) => connectorId === undefined || record.connectorId === connectorId);
    const [code, reason] = tunnelDeleted
      ? [CLOSE_CODES.tunnelDeleted, "tunnel deleted"]
      : [1000, "connection cleaned up"];
    const closed = await Promise.all(
      closing.map(async (record) => {
        const held = await this.#objectOf(record)
          .close(code, reason)
          .catch(() => false);
        await this.closed(record.connectionId, false);
        return held;
      }),
    );
    forgetDrops(this.#ctx.storage.kv, Date.now(), connectorId);
    return closed.filter(Boolean).length;
  }

  /**
   * Closes the one live connection `connectionId` with 1012 (service restart: the connector
   * reconnects it) and fails its streams; its drop stays remembered, so the tunnel is degraded
   * until the connector is back. False when no live connection has that id.
   */
  async cut(connectionId: string): Promise<boolean> {
    const record = this.#directory.get(connectionId);
    if (!record) return false;
    const held = await this.#objectOf(record)
      .close(1012, "connection cut")
      .catch(() => false);
    await this.closed(connectionId);
    return held;
  }

  /**
   * The live records, each read from its own object (which alone knows its counters and whether
   * its socket is still open); a listed connection whose object no longer holds it is unlisted.
   */
  async liveRecords(): Promise<ConnectionRecord[]> {
    const now = Date.now();
    const answers = await Promise.all(
      this.#directory.all().map(async (listed) => {
        const live = await this.#objectOf(listed)
          .record()
          .catch(() => null);
        if (live) return live;
        if (this.#directory.settling(listed.connectionId, now)) return listed;
        await this.closed(listed.connectionId);
        return null;
      }),
    );
    return answers.flatMap((record) => record ?? []);
  }

  /**
   * Checks, once per instance, the entries an earlier instance stored: after a runtime restart
   * their objects hold no sockets, and the connectors are reconnecting as new connections, so the
   * dead ones are unlisted without being remembered as pending a reconnect (that would count
   * every connection twice).
   */
  async verifyInherited(): Promise<void> {
    const inherited = this.#directory.takeUnverified();
    if (inherited.length === 0) return;
    await Promise.all(
      inherited.map(async (record) => {
        const live = await this.#objectOf(record)
          .record()
          .catch(() => null);
        if (!live) await this.closed(record.connectionId, false);
      }),
    );
  }

  /**
   * Runs D1 presence writes (connected / disconnected) one at a time. Two D1 writes started
   * back to back can land in either order, which once left D1 saying "idle" under a live
   * connector; queued, they land in the order the DO saw the events.
   */
  #write<T>(write: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(write, write);
    this.#writes = run.catch(() => undefined);
    return run;
  }
}

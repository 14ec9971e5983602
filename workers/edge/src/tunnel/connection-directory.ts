import type { ConnectionRecord } from "@burrow/tunnel-contract";

/** Storage kv keys of the directory: one entry per live connection, `connection:<id>`. */
const ENTRY_PREFIX = "connection:";
/**
 * How long an admitted connection may go unconfirmed: its upgrade to the connection object is
 * still on its way, so "that object has no such socket" is not yet proof it is gone.
 */
const ADMISSION_GRACE_MS = 30_000;

/** What the edge's /connect learned of a connector: its upgrade headers, address and colo. */
export type ConnectorArrival = Pick<
  ConnectionRecord,
  "tunnelId" | "connectorId" | "version" | "arch" | "connIndex" | "originIp" | "colo"
>;

/** The record of a connection the Tunnel DO just admitted, before the connector says `hello`. */
export function newConnectionRecord(arrival: ConnectorArrival, now: number): ConnectionRecord {
  return {
    ...arrival,
    connectionId: crypto.randomUUID(),
    colo: arrival.colo || "local",
    openedAt: now,
    features: [],
    registered: false,
    draining: false,
    configVersion: 0,
  };
}

/**
 * The Tunnel DO's list of the tunnel's connections, each held by its own connection object. It is
 * kept in storage because the Tunnel DO holds no socket and is evicted when idle while its
 * connections live on; the connection objects report every change (registered, draining, config
 * version, closed). Entries inherited from an earlier instance may name objects that died with
 * the runtime (a restart), so they are verified once before they count.
 */
export class ConnectionDirectory {
  readonly #kv: SyncKvStorage;
  readonly #entries = new Map<string, ConnectionRecord>();
  /** When this instance admitted each connection (inherited entries have none). */
  readonly #admittedAt = new Map<string, number>();
  #unverified: Set<string>;
  #roundRobin = 0;

  constructor(kv: SyncKvStorage) {
    this.#kv = kv;
    for (const [key, record] of kv.list<ConnectionRecord>({ prefix: ENTRY_PREFIX })) {
      this.#entries.set(key.slice(ENTRY_PREFIX.length), record);
    }
    this.#unverified = new Set(this.#entries.keys());
  }

  /** Connections admitted and not yet closed, registered or not. */
  get size(): number {
    return this.#entries.size;
  }

  all(): ConnectionRecord[] {
    return [...this.#entries.values()];
  }

  get(connectionId: string): ConnectionRecord | undefined {
    return this.#entries.get(connectionId);
  }

  add(record: ConnectionRecord, now: number): void {
    this.#put(record);
    this.#admittedAt.set(record.connectionId, now);
  }

  /** Replaces a listed connection's record; false when it is not listed (already closed). */
  update(record: ConnectionRecord): boolean {
    if (!this.#entries.has(record.connectionId)) return false;
    this.#put(record);
    return true;
  }

  /** Unlists a connection; its record, or null when it was not listed. */
  remove(connectionId: string): ConnectionRecord | null {
    const record = this.#entries.get(connectionId) ?? null;
    if (!record) return null;
    this.#entries.delete(connectionId);
    this.#admittedAt.delete(connectionId);
    this.#unverified.delete(connectionId);
    this.#kv.delete(ENTRY_PREFIX + connectionId);
    return record;
  }

  /** Whether `connectionId` was admitted so recently that its object may not hold it yet. */
  settling(connectionId: string, now: number): boolean {
    const admittedAt = this.#admittedAt.get(connectionId);
    return admittedAt !== undefined && now - admittedAt < ADMISSION_GRACE_MS;
  }

  /** Inherited entries not yet verified, handed out once (the caller checks and removes). */
  takeUnverified(): ConnectionRecord[] {
    const records = [...this.#unverified].flatMap((id) => this.#entries.get(id) ?? []);
    this.#unverified = new Set();
    return records;
  }

  /**
   * Connections that may take new streams as far as the directory knows: registered, not
   * draining, announcing `feature` when one is asked for. Whether one froze only its own object
   * knows; that object hands back what it cannot carry.
   */
  routable(feature?: string): ConnectionRecord[] {
    return this.all().filter(
      (record) =>
        record.registered &&
        !record.draining &&
        (feature === undefined || record.features.includes(feature)),
    );
  }

  /** The next routable connection in turn, skipping `skip`; null when none is left. */
  pick(feature?: string, skip?: ReadonlySet<string>): ConnectionRecord | null {
    const candidates = this.routable(feature).filter((record) => !skip?.has(record.connectionId));
    return candidates.length === 0 ? null : candidates[this.#roundRobin++ % candidates.length]!;
  }

  #put(record: ConnectionRecord): void {
    // Counters belong to the object's memory, not to the stored copy.
    const { servedRequests: _served, ...stored } = record;
    this.#entries.set(record.connectionId, stored);
    this.#kv.put(ENTRY_PREFIX + record.connectionId, stored);
  }
}

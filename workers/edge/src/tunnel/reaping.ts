import { ERASED_ABORT_REASON } from "@burrow/tunnel-contract";

/**
 * Storage keys of the reaping protocol (workers/reaper). `reaping` is set when the reaper claims an
 * idle quick tunnel and makes new connections answer 410 until the reap finishes or is called
 * off; `lastActiveAt` lets `reap` spot a connector that came and went after the reaper listed
 * the tunnel.
 */
const REAPING_KEY = "reaping";
const LAST_ACTIVE_AT_KEY = "lastActiveAt";

/** The DO's side of reaping: the claim, the last activity, and erasing the storage. */
export class Reaping {
  readonly #ctx: DurableObjectState;
  // Set by `erase`; the hostname cache in the edge may still send visitors here for seconds.
  #erased = false;

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  /** Whether the storage was erased: nothing is recorded or served any more. */
  get erased(): boolean {
    return this.#erased;
  }

  /**
   * Whether a connector ever came or went here (activity is recorded at each): erasing the
   * storage with the tunnel forgets it, so true means the tunnel was not reaped.
   */
  get wasConnected(): boolean {
    return this.#ctx.storage.kv.get(LAST_ACTIVE_AT_KEY) !== undefined;
  }

  /** Whether new connections are refused (410): the tunnel is claimed or erased. */
  get refusesConnections(): boolean {
    return this.#erased || this.#ctx.storage.kv.get(REAPING_KEY) !== undefined;
  }

  /** Records connector activity at `now` (a connect or a disconnect). */
  markActive(now: number): void {
    this.#ctx.storage.kv.put(LAST_ACTIVE_AT_KEY, now);
  }

  /**
   * The reaper's claim. `busy` (a connector attached or attaching) or activity at or after
   * `inactiveBefore` answers false and changes nothing; otherwise the marker is persisted.
   * Callers check `busy` and claim without an await between, so a racing connect lands entirely
   * before (the claim answers false) or after (the connector is refused).
   */
  claim(inactiveBefore: number, busy: boolean): boolean {
    if (busy) return false;
    const kv = this.#ctx.storage.kv;
    if (kv.get(REAPING_KEY) !== undefined) return true;
    const lastActiveAt = kv.get<number>(LAST_ACTIVE_AT_KEY);
    if (lastActiveAt !== undefined && lastActiveAt >= inactiveBefore) return false;
    kv.put(REAPING_KEY, Date.now());
    return true;
  }

  /** Calls the claim off: connections are accepted again. */
  spare(): void {
    this.#ctx.storage.kv.delete(REAPING_KEY);
  }

  /** Deletes all storage, then resets the object: always rejects with ERASED_ABORT_REASON. */
  async erase(): Promise<void> {
    this.#erased = true;
    await this.#ctx.storage.deleteAll();
    // An idle object stays in memory for 10 s after its last call (Durable Object lifecycle docs),
    // and locally every object's SQLite database shares one workerd process and its SQLite heap
    // limit: a reaper run touching thousands of objects within 10 s failed with SQLITE_NOMEM
    // after ~3,600. Nothing is left to keep, so the object is let go now. A later request starts
    // a fresh, empty instance (D1 already refuses its connectors).
    this.#ctx.abort(ERASED_ABORT_REASON);
  }
}

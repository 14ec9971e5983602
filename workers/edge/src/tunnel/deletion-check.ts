/**
 * How long a Tunnel DO trusts the registry's "still there" for a tunnel it knows nothing of: the
 * edge's hostname cache keeps a route as long (hostname-routes.ts ROUTE_TTL_MS), so a deleted
 * tunnel reaches visitors no later than before.
 */
export const LISTED_TTL_MS = 5_000;

/** What the check needs of its Tunnel DO: its own evidence, the registry, the clock. */
export interface DeletionEvidence {
  /**
   * True when the object's storage shows a connector came or went: the reaper erases all of it
   * with the tunnel, so a tunnel with that record was not reaped.
   */
  wasConnected(): boolean;
  /** Asks the registry (D1) whether the tunnel `tunnelId` is gone or soft-deleted. */
  isDeleted(tunnelId: string): Promise<boolean>;
  now?: () => number;
}

/**
 * Tells a tunnel without connectors that was deleted (visitors get 1037, "tunnel deleted") from
 * one that is only down (1033). A reaped tunnel's object resets once its storage is erased, and
 * the edge's cached route still sends visitors to the fresh instance for seconds; only the
 * registry knows then. Asking it for every such visitor cost a D1 query per request (the edge
 * did, until session 10: `pnpm bench:profile` read 729 µs of workerd CPU per request for a quick
 * tunnel whose connector had gone, against 352 for one that served), a flood a visitor could
 * aim at the registry every tunnel shares. So the object asks only when its own storage cannot
 * answer, at most once per {@link LISTED_TTL_MS}, and a tunnel found deleted stays so.
 */
export class DeletionCheck {
  readonly #evidence: DeletionEvidence;
  readonly #now: () => number;
  #deleted = false;
  /** When the registry was last asked (whatever it answered, or if it failed). */
  #askedAt = Number.NEGATIVE_INFINITY;

  constructor(evidence: DeletionEvidence) {
    this.#evidence = evidence;
    this.#now = evidence.now ?? Date.now;
  }

  /** Whether the tunnel `tunnelId` (this object's) was deleted; false when in doubt. */
  async deleted(tunnelId: string): Promise<boolean> {
    if (this.#deleted) return true;
    if (this.#evidence.wasConnected()) return false;
    const now = this.#now();
    if (now - this.#askedAt < LISTED_TTL_MS) return false;
    // Set before the query: the object takes other requests while D1 answers, and they wait
    // for the next window instead of asking too.
    this.#askedAt = now;
    try {
      this.#deleted = await this.#evidence.isDeleted(tunnelId);
    } catch (error) {
      // The visitor gets "no connector", the truth as far as this object knows.
      console.warn(`tunnel: could not ask the registry whether ${tunnelId} was deleted: ${error}`);
    }
    return this.#deleted;
  }
}

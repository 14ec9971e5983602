import type { DnsCacheStats } from "@burrow/tunnel-contract";
import type { DnsRecordType, DnsStatus } from "@burrow/wire";

/** What the connector answered for one hostname and record type. */
export interface DnsLookup {
  status: DnsStatus;
  addresses: string[];
  ttlSeconds: number;
}

/** Asks the connector one DNS question; rejects when no connector can answer. */
export type DnsAsk = (hostname: string, recordType: DnsRecordType) => Promise<DnsLookup>;

/**
 * Answers are kept at least this long, so a TTL of 0 (common on internal zones) does not send a
 * question to the connector for every request.
 */
export const MIN_TTL_SECONDS = 5;
/** And at most this long, so a changed record is picked up within five minutes whatever its TTL. */
export const MAX_TTL_SECONDS = 300;
/** NXDOMAIN and failures are cached briefly (RFC 2308 negative caching, clamped short). */
export const NEGATIVE_TTL_SECONDS = 5;
/**
 * NODATA ("the name exists, but has no record of this type": an IPv4-only host asked for AAAA) is
 * the everyday answer for half the questions, and such hosts rarely gain the other type; kept as
 * long as a short positive answer, so an IPv4-only service is not asked about AAAA every 5 s.
 */
export const NODATA_TTL_SECONDS = 60;
/** Bounds the memory one Tunnel DO spends on names; the oldest entry goes first. */
export const MAX_ENTRIES = 10_000;

/** The record types asked for every hostname, in the order their addresses are tried. */
export const RECORD_TYPES: readonly DnsRecordType[] = ["A", "AAAA"];

/** Why a hostname has no address to connect to. */
export class DnsFailure extends Error {
  readonly status: DnsStatus;
  constructor(hostname: string, status: DnsStatus) {
    super(
      status === "nxdomain"
        ? `DNS lookup of ${hostname} failed: NXDOMAIN (no such name in the tunnel's network)`
        : status === "nodata" || status === "ok"
          ? `DNS lookup of ${hostname} returned no A or AAAA records`
          : `DNS lookup of ${hostname} failed: ${status.toUpperCase()}`,
    );
    this.name = "DnsFailure";
    this.status = status;
  }
}

interface Entry {
  lookup: DnsLookup;
  expiresAt: number;
}

/**
 * The Tunnel DO's DNS cache: one entry per (hostname, resolvers, record type) with the answer's
 * TTL clamped to [MIN, MAX], negative answers for NEGATIVE_TTL_SECONDS, and concurrent misses for
 * the same key sharing one question. It lives in memory: hibernation empties it, which only costs
 * one more question per name.
 */
export class DnsCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<DnsLookup>>();
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;
  #questions = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * The addresses of `hostname`, IPv4 first, asking `ask` for each record type that is not
   * cached. Throws {@link DnsFailure} when neither type has an address; rejects as `ask` does.
   */
  async resolve(hostname: string, resolverIps: readonly string[], ask: DnsAsk): Promise<string[]> {
    return (await this.resolveUntil(hostname, resolverIps, ask)).addresses;
  }

  /**
   * {@link resolve}, with when the first of the answers used expires (ms since the epoch): a
   * connection object may keep the addresses that long without asking again.
   */
  async resolveUntil(
    hostname: string,
    resolverIps: readonly string[],
    ask: DnsAsk,
  ): Promise<{ addresses: string[]; expiresAt: number }> {
    const name = hostname.toLowerCase();
    const scope = `${name}|${resolverIps.join(",")}`;
    const lookups = await Promise.all(
      RECORD_TYPES.map((type) => this.#lookup(scope, name, type, ask)),
    );
    const addresses = lookups.flatMap((lookup) => (lookup.status === "ok" ? lookup.addresses : []));
    if (addresses.length > 0) {
      const expiries = RECORD_TYPES.map(
        (type) => this.#entries.get(`${scope}|${type}`)?.expiresAt ?? this.#now(),
      );
      return { addresses, expiresAt: Math.min(...expiries) };
    }
    // NXDOMAIN for either type means the name does not exist; otherwise report the A answer's status.
    const nxdomain = lookups.some((lookup) => lookup.status === "nxdomain");
    throw new DnsFailure(hostname, nxdomain ? "nxdomain" : (lookups[0]?.status ?? "nodata"));
  }

  /** Counters for metrics. */
  stats(): DnsCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      questions: this.#questions,
      entries: this.#entries.size,
    };
  }

  async #lookup(
    scope: string,
    hostname: string,
    type: DnsRecordType,
    ask: DnsAsk,
  ): Promise<DnsLookup> {
    const key = `${scope}|${type}`;
    const cached = this.#entries.get(key);
    if (cached && cached.expiresAt > this.#now()) {
      this.#hits++;
      return cached.lookup;
    }
    this.#misses++;
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    this.#questions++;
    const question = ask(hostname, type)
      .then((lookup) => {
        this.#store(key, lookup);
        return lookup;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, question);
    return question;
  }

  #store(key: string, lookup: DnsLookup): void {
    const positive = lookup.status === "ok" && lookup.addresses.length > 0;
    const ttlSeconds = positive
      ? Math.min(MAX_TTL_SECONDS, Math.max(MIN_TTL_SECONDS, lookup.ttlSeconds))
      : lookup.status === "nodata"
        ? NODATA_TTL_SECONDS
        : NEGATIVE_TTL_SECONDS;
    this.#entries.delete(key);
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { lookup, expiresAt: this.#now() + ttlSeconds * 1000 });
  }
}

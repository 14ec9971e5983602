/**
 * The Rate Limiting binding's period for failed logins (wrangler.toml `simple.period` of
 * CONNECT_FAILURE_RATE_LIMIT): how long an address stays refused once past the limit.
 */
export const FAILED_LOGIN_PERIOD_SECONDS = 60;
/** Addresses remembered as refused per isolate; past this the oldest is forgotten first. */
const MAX_REFUSED_ADDRESSES = 10_000;

/**
 * Failed connector logins on `/connect` (an unknown tunnel or a wrong secret), counted per client
 * address (IPv6 by /64, admission.ts `clientKey`). Each failure costs a D1 query on the registry
 * every tunnel shares; a client that keeps guessing would turn that into a flood. Past the
 * binding's limit the address is refused with 429 for the rest of the period before any query,
 * a valid connector behind the same address included (it retries with backoff, as after any 429).
 *
 * Only failures count: a legitimate fleet reconnecting (many replicas behind one NAT) is never
 * refused for how often it connects. The binding counts failures across the location; which
 * addresses are refused is kept in this isolate, so each isolate makes at most one more query per
 * refused address and period.
 */
export class ConnectorLoginLimit {
  readonly #refusedUntilMs = new Map<string, number>();

  /** Whole seconds `address` stays refused at `nowMs`, or 0. */
  refusedFor(address: string, nowMs: number): number {
    const until = this.#refusedUntilMs.get(address);
    if (until === undefined) return 0;
    if (until <= nowMs) {
      this.#refusedUntilMs.delete(address);
      return 0;
    }
    return Math.ceil((until - nowMs) / 1000);
  }

  /** Counts a failed login from `address`; once the binding says no, refuses it for a period. */
  async failed(limiter: RateLimit, address: string, nowMs: number): Promise<void> {
    const { success } = await limiter.limit({ key: address });
    if (success) return;
    this.#refusedUntilMs.delete(address);
    if (this.#refusedUntilMs.size >= MAX_REFUSED_ADDRESSES) {
      const oldest = this.#refusedUntilMs.keys().next().value;
      if (oldest !== undefined) this.#refusedUntilMs.delete(oldest);
    }
    this.#refusedUntilMs.set(address, nowMs + FAILED_LOGIN_PERIOD_SECONDS * 1000);
  }
}

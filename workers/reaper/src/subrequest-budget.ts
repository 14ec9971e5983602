/**
 * Counts the subrequests one invocation spends. Durable Object calls, D1 queries and fetches all
 * count toward the Workers limit (10,000 per invocation on paid plans by default, raised in
 * wrangler.toml `[limits]`); past it every call throws, so the reaper plans each step to fit.
 */
export class SubrequestBudget {
  readonly #limit: number;
  #spent = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get spent(): number {
    return this.#spent;
  }

  get remaining(): number {
    return this.#limit - this.#spent;
  }

  /** Spends `count` if it fits and answers whether it did. */
  take(count: number): boolean {
    if (count > this.remaining) return false;
    this.#spent += count;
    return true;
  }
}

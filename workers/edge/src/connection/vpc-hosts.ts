/** Hostnames one connection object keeps addresses for; past this the oldest goes first. */
const MAX_HOSTS = 1_000;

/** A hostname's addresses from the tunnel's DNS cache, and until when they hold. */
export interface ResolvedHost {
  addresses: string[];
  expiresAt: number;
}

/**
 * A connection object's copy of the tunnel's VPC DNS answers it used, each until the expiry the
 * Tunnel DO's cache gave it (the answer's TTL, clamped there). The tunnel keeps one cache, so a
 * name is asked of one connector; this copy only spares a warm call the RPC to the Tunnel DO.
 */
export class VpcHosts {
  readonly #hosts = new Map<string, ResolvedHost>();
  readonly #resolve: (hostname: string, resolverIps: string[]) => Promise<ResolvedHost>;

  /** `resolve` asks the Tunnel DO (`resolveVpcHost`). */
  constructor(resolve: (hostname: string, resolverIps: string[]) => Promise<ResolvedHost>) {
    this.#resolve = resolve;
  }

  async addresses(hostname: string, resolverIps: string[]): Promise<string[]> {
    const key = `${hostname.toLowerCase()}|${resolverIps.join(",")}`;
    const known = this.#hosts.get(key);
    if (known && known.expiresAt > Date.now()) return known.addresses;
    const resolved = await this.#resolve(hostname, resolverIps);
    this.#hosts.delete(key);
    if (this.#hosts.size >= MAX_HOSTS) {
      const oldest = this.#hosts.keys().next().value;
      if (oldest !== undefined) this.#hosts.delete(oldest);
    }
    this.#hosts.set(key, resolved);
    return resolved.addresses;
  }
}

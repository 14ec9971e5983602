/**
 * Fair sharing of a tunnel's in-flight slots between visitors. Without it one client holding
 * 1,000 slow requests or idle WebSockets made every other visitor of the tunnel get 429.
 *
 * A pool (requests, or WebSockets, counted apart because they live for minutes) has `max` slots.
 * The last tenth of them is a reserve: anyone may take a slot while the pool is below the reserve,
 * but inside it a client is admitted only while it holds less than its fair share,
 * `max / max(2, clients holding slots)`. A lone client therefore stops at 90 % and a newcomer
 * always finds room; clients from many addresses can still fill the pool between them.
 */
export class SlotPool {
  readonly #max: number;
  readonly #byClient = new Map<string, number>();
  #total = 0;

  constructor(max: number) {
    this.#max = Math.max(1, Math.floor(max));
  }

  /** Slots held right now. */
  get total(): number {
    return this.#total;
  }

  /** Takes a slot for `client`; returns its release function, or null when it must wait (429). */
  admit(client: string): (() => void) | null {
    if (this.#total >= this.#max) return null;
    const held = this.#byClient.get(client) ?? 0;
    const reserve = Math.max(1, Math.ceil(this.#max / 10));
    if (this.#total >= this.#max - reserve) {
      const holders = this.#byClient.size + (held === 0 ? 1 : 0);
      const fairShare = this.#max / Math.max(2, holders);
      if (held >= fairShare) return null;
    }
    this.#byClient.set(client, held + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#byClient.get(client) ?? 1) - 1;
      if (left > 0) this.#byClient.set(client, left);
      else this.#byClient.delete(client);
    };
  }
}

/**
 * The key a client's slots are counted under: its IPv4 address, or the /64 of an IPv6 address
 * (one subscriber gets a whole /64, so per-address counting would be free to dodge).
 */
export function clientKey(ip: string): string {
  const address = ip.trim().toLowerCase();
  if (!address.includes(":")) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return mapped[1]!;
  const [head = "", tail = ""] = address.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = address.includes("::") ? 8 - headGroups.length - tailGroups.length : 0;
  const groups = [...headGroups, ...Array(Math.max(0, missing)).fill("0"), ...tailGroups];
  const prefix = groups.slice(0, 4).map((group) => (Number.parseInt(group, 16) || 0).toString(16));
  return `${prefix.join(":")}::/64`;
}

/** Named tunnels are not capped by the DO beyond memory; this bounds a runaway caller. */
const NAMED_TUNNEL_MAX_IN_FLIGHT = 10_000;
const NAMED_TUNNEL_MAX_WEBSOCKETS = 10_000;

/**
 * The tunnel's two pools: requests, and WebSockets apart because they live long. Built on first
 * use, because the caps depend on the tunnel's kind, which arrives with the request.
 */
export class Admission {
  readonly #env: Env;
  #requests: SlotPool | null = null;
  #webSockets: SlotPool | null = null;

  constructor(env: Env) {
    this.#env = env;
  }

  /** A slot for `clientIp` in the pool of this request's kind, or null when it must wait. */
  admit(clientIp: string, quick: boolean, websocket: boolean): (() => void) | null {
    return this.#pool(quick, websocket).admit(clientKey(clientIp));
  }

  #pool(quick: boolean, websocket: boolean): SlotPool {
    if (websocket) {
      this.#webSockets ??= new SlotPool(
        quick ? Number(this.#env.QUICK_TUNNEL_MAX_WEBSOCKETS) : NAMED_TUNNEL_MAX_WEBSOCKETS,
      );
      return this.#webSockets;
    }
    this.#requests ??= new SlotPool(
      quick ? Number(this.#env.QUICK_TUNNEL_MAX_IN_FLIGHT) : NAMED_TUNNEL_MAX_IN_FLIGHT,
    );
    return this.#requests;
  }
}

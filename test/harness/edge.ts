import { type LocalEdge, type LocalEdgeOptions, startLocalEdge } from "@burrow/local-edge";

/** The quick-tunnel Worker's name and rate-limit binding (workers/quick-tunnel/wrangler.toml). */
const QUICK_TUNNEL_WORKER = "burrow-quick-tunnel";
const MINT_RATE_LIMIT_BINDING = "MINT_RATE_LIMIT";

/** A running local edge plus what tests need to reach it. */
export interface TestEdge extends LocalEdge {
  /** The port on 127.0.0.1 every visitor request and connector dials. */
  port: number;
}

/**
 * Starts every Burrow Worker in one Miniflare on a free port (or `options.port`). Minting is
 * rate-limited per client IP in production; every test here is the same IP, so the limit is raised.
 */
export async function startEdge(options: LocalEdgeOptions = {}): Promise<TestEdge> {
  const edge = await startLocalEdge({
    port: 0,
    ...options,
    rateLimits: {
      [QUICK_TUNNEL_WORKER]: { [MINT_RATE_LIMIT_BINDING]: { limit: 10_000, period: 60 } },
      ...options.rateLimits,
    },
  });
  return Object.assign(edge, { port: Number(edge.url.port) });
}

/** What `POST /tunnel` answers, in cloudflared's quick-tunnel shape. */
export interface MintedTunnel {
  id: string;
  name: string;
  hostname: string;
  account_tag: string;
  /** Standard base64 of the 32 secret bytes. */
  secret: string;
}

/** Mints a quick tunnel directly (no connector), as `burrow tunnel` does first. */
export async function mintQuickTunnel(edge: TestEdge): Promise<MintedTunnel> {
  const response = await fetch(new URL("/tunnel", edge.url), { method: "POST" });
  const envelope = (await response.json()) as { success: boolean; result: MintedTunnel };
  if (!response.ok || !envelope.success) {
    throw new Error(`POST /tunnel answered ${response.status}: ${JSON.stringify(envelope)}`);
  }
  return envelope.result;
}

import { describe, expect, it } from "vitest";
import { connectConnector, seedConnectorTunnel } from "./seed";

/** wrangler.toml's CONNECT_FAILURE_RATE_LIMIT: failed logins per address and period. */
const LIMIT = 20;

/** Wrong-secret logins from `address` until one is refused with 429 (bounded); their statuses. */
async function failUntilRefused(
  tunnel: { id: string; secret: string },
  address: (attempt: number) => string,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < LIMIT + 5; attempt++) {
    const response = await connectConnector(tunnel, btoa("x".repeat(32)), address(attempt));
    statuses.push(response.status);
    if (response.status === 429) break;
  }
  return statuses;
}

describe("failed connector logins on /connect", () => {
  it("refuses an address with 429 once its failed logins pass the limit, even with the right secret, while other addresses connect", async () => {
    const tunnel = await seedConnectorTunnel();
    const statuses = await failUntilRefused(tunnel, () => "198.51.100.7");
    // Every failure up to the limit is an ordinary 401; past it the address is refused.
    expect(statuses.slice(0, LIMIT).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);

    const refused = await connectConnector(tunnel, tunnel.secret, "198.51.100.7");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({
      success: false,
      errors: [{ message: expect.stringContaining("too many failed connector logins") }],
    });

    const elsewhere = await connectConnector(tunnel, tunnel.secret, "203.0.113.9");
    expect(elsewhere.status).toBe(101);
    elsewhere.webSocket?.close(1000, "test");
  });

  it("counts an IPv6 client by its /64, so new addresses in it do not reset the count", async () => {
    const tunnel = await seedConnectorTunnel();
    const statuses = await failUntilRefused(tunnel, (attempt) => `2001:db8:7:1::${attempt + 1}`);
    expect(statuses.at(-1)).toBe(429);
    expect((await connectConnector(tunnel, tunnel.secret, "2001:db8:7:1::ffff")).status).toBe(429);
    const otherPrefix = await connectConnector(tunnel, tunnel.secret, "2001:db8:7:2::1");
    expect(otherPrefix.status).toBe(101);
    otherPrefix.webSocket?.close(1000, "test");
  });

  it("never counts successful logins: a fleet reconnecting from one address is not refused", async () => {
    const tunnel = await seedConnectorTunnel();
    for (let attempt = 0; attempt < LIMIT + 5; attempt++) {
      const response = await connectConnector(tunnel, tunnel.secret, "192.0.2.44");
      expect(response.status).toBe(101);
      response.webSocket?.close(1000, "test");
    }
  });
});

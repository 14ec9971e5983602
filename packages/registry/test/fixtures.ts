import type { NewDnsRecord, NewTunnel } from "../src";

/** A fixed clock for tests: 2026-04-20T00:00:00Z in ms. */
export const T0 = Date.UTC(2026, 3, 20);

/** A new tunnel row with a fresh id; override whatever the test cares about. */
export function newTunnel(overrides: Partial<NewTunnel> = {}): NewTunnel {
  const id = crypto.randomUUID();
  return {
    id,
    accountTag: "burrow-local",
    name: `qt-${id.replaceAll("-", "")}`,
    kind: "quick",
    secretHash: "0".repeat(64),
    createdAt: T0,
    ...overrides,
  };
}

/** A CNAME for `tunnelId` under the test zone. */
export function cname(hostname: string, tunnelId: string): NewDnsRecord {
  return { hostname, type: "CNAME", content: `${tunnelId}.cfargotunnel.com` };
}

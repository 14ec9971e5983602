import { describe, expect, it } from "vitest";
import { clientKey, SlotPool } from "./admission";

describe("SlotPool", () => {
  it("keeps the last tenth of the slots from a lone client for newcomers", () => {
    const pool = new SlotPool(100);
    let admitted = 0;
    while (pool.admit("hog")) admitted++;
    expect(admitted).toBe(90);
    expect(pool.admit("newcomer")).not.toBeNull();
  });

  it("lets many clients fill the pool between them", () => {
    const pool = new SlotPool(100);
    let admitted = 0;
    for (let i = 0; i < 100; i++) if (pool.admit(`client-${i % 10}`)) admitted++;
    expect(admitted).toBe(100);
    expect(pool.admit("client-0")).toBeNull();
  });

  it("frees a slot once, however often its release is called", () => {
    const pool = new SlotPool(10);
    const release = pool.admit("a")!;
    release();
    release();
    expect(pool.total).toBe(0);
  });
});

describe("clientKey", () => {
  it("counts IPv4 addresses one by one and IPv6 addresses by /64", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:DB8:1:2:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::ffff:198.51.100.1")).toBe("198.51.100.1");
  });
});

import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { couldBeTunnelHostname, HostnameRoutes } from "../src/hostname-routes";
import { seedRoute } from "./seed";

const ZONE = "localhost";

/** The real D1 binding, counting the statements prepared on it (one per lookup). */
function countingDb(): { db: D1Database; queries: () => number } {
  let queries = 0;
  const db = {
    prepare(sql: string) {
      queries++;
      return env.DB.prepare(sql);
    },
  } as unknown as D1Database;
  return { db, queries: () => queries };
}

describe("couldBeTunnelHostname", () => {
  it("accepts quick-tunnel names and deeper names under the zone", () => {
    for (const name of [
      "apple-berry-cider-dough.localhost",
      "api.dev.localhost",
      "a.b.c.d.e.localhost",
      "xn--bcher-kva.localhost",
      `${"a".repeat(63)}.localhost`,
    ]) {
      expect(couldBeTunnelHostname(name, ZONE), name).toBe(true);
    }
  });

  it("refuses names outside the zone, the zone itself and malformed labels", () => {
    for (const name of [
      "localhost",
      ".localhost",
      "example.com",
      "evil-localhost",
      "a..localhost",
      "-a.localhost",
      "a-.localhost",
      "a_b.localhost",
      "*.dev.localhost",
      "a b.localhost",
      "a.localhost.",
      "ä.localhost",
      `${"a".repeat(64)}.localhost`,
      `ab.${"a.".repeat(121)}localhost`, // 254 characters
    ]) {
      expect(couldBeTunnelHostname(name, ZONE), name).toBe(false);
    }
    expect(couldBeTunnelHostname(`${"a.".repeat(122)}localhost`, ZONE)).toBe(true); // 253
  });
});

describe("hostname route cache", () => {
  it("asks D1 once for an unknown name requested again and again, and never for a malformed one", async () => {
    const routes = new HostnameRoutes();
    const { db, queries } = countingDb();
    for (let i = 0; i < 50; i++) {
      expect(await routes.routeFor(db, ZONE, "nobody-home-here-now.localhost")).toBeNull();
    }
    expect(queries()).toBe(1);
    for (const name of ["example.com", "a_b.localhost", `${"x".repeat(300)}.localhost`]) {
      expect(await routes.routeFor(db, ZONE, name)).toBeNull();
    }
    expect(queries()).toBe(1);
  });

  it("lets one request look an expired name up again while the others get the expired answer", async () => {
    let nowMs = 1_000_000;
    const routes = new HostnameRoutes({ routeTtlMs: 5_000, now: () => nowMs });
    const { db, queries } = countingDb();
    const id = await seedRoute("expiring-route-here.localhost");
    const route = { tunnelId: id, kind: "quick" };
    expect(await routes.routeFor(db, ZONE, "expiring-route-here.localhost")).toEqual(route);
    nowMs += 5_000;
    // Fifty requests at once after expiry: one query (no request waits on another's), and every
    // request gets the route, the refreshing one from D1 and the rest from the expired entry.
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => routes.routeFor(db, ZONE, "expiring-route-here.localhost")),
    );
    expect(answers.every((answer) => answer?.tunnelId === id)).toBe(true);
    expect(queries()).toBe(2);
    // The refreshed answer holds for another TTL.
    nowMs += 4_999;
    await routes.routeFor(db, ZONE, "expiring-route-here.localhost");
    expect(queries()).toBe(2);
  });

  it("asks D1 again once a miss has expired", async () => {
    let nowMs = 1_000_000;
    const routes = new HostnameRoutes({ missTtlMs: 5_000, now: () => nowMs });
    const { db, queries } = countingDb();
    await routes.routeFor(db, ZONE, "later-route-here.localhost");
    nowMs += 4_999;
    await routes.routeFor(db, ZONE, "later-route-here.localhost");
    expect(queries()).toBe(1);
    const id = await seedRoute("later-route-here.localhost");
    nowMs += 1;
    expect(await routes.routeFor(db, ZONE, "later-route-here.localhost")).toEqual({
      tunnelId: id,
      kind: "quick",
    });
    expect(queries()).toBe(2);
  });

  // Regression: the cache used to be cleared whole at 10,000 entries, so random subdomains
  // dropped every valid route with it and each visitor request paid a D1 query again.
  it("keeps a valid route cached through 10,000+ distinct misses", async () => {
    // The clock stands still so the route's 5 s lifetime cannot end during the loop.
    const routes = new HostnameRoutes({ now: () => 1_000_000 });
    const { db, queries } = countingDb();
    const id = await seedRoute("steady-valid-tunnel-route.localhost");
    expect(await routes.routeFor(db, ZONE, "steady-valid-tunnel-route.localhost")).toMatchObject({
      tunnelId: id,
    });
    const misses = 10_050;
    for (let i = 0; i < misses; i++) {
      await routes.routeFor(db, ZONE, `random-${i}.localhost`);
    }
    expect(queries()).toBe(1 + misses);
    expect(routes.size).toEqual({ routes: 1, misses: 10_000 });
    expect(await routes.routeFor(db, ZONE, "steady-valid-tunnel-route.localhost")).toMatchObject({
      tunnelId: id,
    });
    expect(queries()).toBe(1 + misses);
  }, 120_000);

  it("evicts the least recently used entry, not the oldest inserted", async () => {
    const routes = new HostnameRoutes({ maxEntries: 3 });
    const { db, queries } = countingDb();
    for (const name of ["one", "two", "three"])
      await routes.routeFor(db, ZONE, `${name}.localhost`);
    await routes.routeFor(db, ZONE, "one.localhost"); // a hit: "two" is now the least recent
    await routes.routeFor(db, ZONE, "four.localhost"); // evicts "two"
    expect(queries()).toBe(4);
    await routes.routeFor(db, ZONE, "one.localhost");
    await routes.routeFor(db, ZONE, "three.localhost");
    expect(queries()).toBe(4);
    await routes.routeFor(db, ZONE, "two.localhost");
    expect(queries()).toBe(5);
  });
});

describe("hostname routing through the edge", () => {
  it("answers 404 for names outside the zone and still serves a valid tunnel after a flood of misses", async () => {
    await seedRoute("flood-proof-valid-route.localhost");
    for (const host of ["example.com", "a_b.localhost", "bad..localhost"]) {
      const response = await exports.default.fetch("http://127.0.0.1/", { headers: { host } });
      expect(response.status, host).toBe(404);
      expect(response.headers.get("x-burrow-error")).toBe("1001");
      await response.body?.cancel();
    }
    for (let i = 0; i < 100; i++) {
      const response = await exports.default.fetch(`http://flood-${i}.localhost/`);
      expect(response.status).toBe(404);
      await response.body?.cancel();
    }
    // The tunnel exists but has no connector: 530 (1033) proves the route was found.
    const response = await exports.default.fetch("http://flood-proof-valid-route.localhost/");
    expect(response.status).toBe(530);
    expect(response.headers.get("x-burrow-error")).toBe("1033");
  }, 60_000);
});

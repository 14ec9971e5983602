import type { DnsRecordType } from "@burrow/wire";
import { describe, expect, it } from "vitest";
import {
  DnsCache,
  DnsFailure,
  type DnsLookup,
  MAX_TTL_SECONDS,
  MIN_TTL_SECONDS,
  NEGATIVE_TTL_SECONDS,
  NODATA_TTL_SECONDS,
} from "./dns-cache";

/** A connector stand-in that answers from a table and counts questions by record type. */
function answering(table: Partial<Record<DnsRecordType, DnsLookup>>) {
  const asked: DnsRecordType[] = [];
  const ask = async (_hostname: string, type: DnsRecordType): Promise<DnsLookup> => {
    asked.push(type);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return table[type] ?? { status: "nodata", addresses: [], ttlSeconds: 0 };
  };
  return { ask, asked };
}

const ok = (addresses: string[], ttlSeconds = 60): DnsLookup => ({
  status: "ok",
  addresses,
  ttlSeconds,
});

describe("DnsCache", () => {
  it("asks once per record type for 100 concurrent first lookups", async () => {
    const cache = new DnsCache();
    const { ask, asked } = answering({ A: ok(["10.0.0.5"]), AAAA: ok(["fd00::5"]) });
    const results = await Promise.all(
      Array.from({ length: 100 }, () => cache.resolve("api.internal", [], ask)),
    );
    expect(asked.sort()).toEqual(["A", "AAAA"]);
    expect(new Set(results.map((r) => r.join()))).toEqual(new Set(["10.0.0.5,fd00::5"]));
    expect(cache.stats()).toMatchObject({ misses: 200, questions: 2, hits: 0, entries: 2 });
  });

  it("answers from cache until the TTL runs out, counting hits", async () => {
    let now = 1_000_000;
    const cache = new DnsCache(() => now);
    const { ask, asked } = answering({ A: ok(["10.0.0.5"], 30), AAAA: ok(["fd00::5"], 30) });
    await cache.resolve("api.internal", [], ask);
    now += 29_000;
    await cache.resolve("API.internal", [], ask);
    expect(asked).toHaveLength(2);
    expect(cache.stats().hits).toBe(2);
    now += 2_000;
    await cache.resolve("api.internal", [], ask);
    expect(asked).toHaveLength(4);
  });

  it("clamps a TTL of 0 up to the minimum and a day down to the maximum", async () => {
    let now = 0;
    const cache = new DnsCache(() => now);
    const zero = answering({ A: ok(["10.0.0.1"], 0), AAAA: ok(["fd00::1"], 0) });
    await cache.resolve("zero.internal", [], zero.ask);
    now = MIN_TTL_SECONDS * 1000 - 1;
    await cache.resolve("zero.internal", [], zero.ask);
    expect(zero.asked).toHaveLength(2);
    now = MIN_TTL_SECONDS * 1000;
    await cache.resolve("zero.internal", [], zero.ask);
    expect(zero.asked).toHaveLength(4);

    now = 0;
    const day = answering({ A: ok(["10.0.0.2"], 86_400), AAAA: ok(["fd00::2"], 86_400) });
    await cache.resolve("day.internal", [], day.ask);
    now = MAX_TTL_SECONDS * 1000 - 1;
    await cache.resolve("day.internal", [], day.ask);
    expect(day.asked).toHaveLength(2);
    now = MAX_TTL_SECONDS * 1000;
    await cache.resolve("day.internal", [], day.ask);
    expect(day.asked).toHaveLength(4);
  });

  it("caches NXDOMAIN briefly and reports it", async () => {
    let now = 0;
    const cache = new DnsCache(() => now);
    const nx: DnsLookup = { status: "nxdomain", addresses: [], ttlSeconds: 3600 };
    const { ask, asked } = answering({ A: nx, AAAA: nx });
    await expect(cache.resolve("gone.internal", [], ask)).rejects.toThrow(
      /gone.internal.*NXDOMAIN/,
    );
    await expect(cache.resolve("gone.internal", [], ask)).rejects.toBeInstanceOf(DnsFailure);
    expect(asked).toHaveLength(2);
    now = NEGATIVE_TTL_SECONDS * 1000;
    await expect(cache.resolve("gone.internal", [], ask)).rejects.toThrow(/NXDOMAIN/);
    expect(asked).toHaveLength(4);
  });

  it("keeps NODATA for an IPv4-only name longer than NXDOMAIN, so AAAA is not asked every 5 s", async () => {
    let now = 0;
    const cache = new DnsCache(() => now);
    const nodata: DnsLookup = { status: "nodata", addresses: [], ttlSeconds: 0 };
    const { ask, asked } = answering({ A: ok(["10.0.0.1"], 3600), AAAA: nodata });
    expect(await cache.resolve("v4only.internal", [], ask)).toEqual(["10.0.0.1"]);
    now = NODATA_TTL_SECONDS * 1000 - 1;
    expect(await cache.resolve("v4only.internal", [], ask)).toEqual(["10.0.0.1"]);
    expect(asked).toEqual(["A", "AAAA"]);
    now = NODATA_TTL_SECONDS * 1000;
    await cache.resolve("v4only.internal", [], ask);
    expect(asked).toEqual(["A", "AAAA", "AAAA"]);
  });

  it("returns IPv4 addresses before IPv6 ones", async () => {
    const cache = new DnsCache();
    const { ask } = answering({ A: ok(["10.0.0.1", "10.0.0.2"]), AAAA: ok(["fd00::1"]) });
    expect(await cache.resolve("multi.internal", [], ask)).toEqual([
      "10.0.0.1",
      "10.0.0.2",
      "fd00::1",
    ]);
  });

  it("keeps answers from different resolvers apart", async () => {
    const cache = new DnsCache();
    const first = answering({ A: ok(["10.0.0.1"]) });
    const second = answering({ A: ok(["10.9.9.9"]) });
    expect(await cache.resolve("api.internal", ["10.0.0.53"], first.ask)).toEqual(["10.0.0.1"]);
    expect(await cache.resolve("api.internal", ["10.9.0.53"], second.ask)).toEqual(["10.9.9.9"]);
  });

  it("does not cache a question nobody answered, so the next call asks again", async () => {
    const cache = new DnsCache();
    let fail = true;
    const asked: string[] = [];
    const ask = async (_hostname: string, type: DnsRecordType) => {
      asked.push(type);
      if (fail) throw new Error("no connector");
      return type === "A"
        ? ok(["10.0.0.1"])
        : { status: "nodata" as const, addresses: [], ttlSeconds: 0 };
    };
    await expect(cache.resolve("api.internal", [], ask)).rejects.toThrow("no connector");
    fail = false;
    expect(await cache.resolve("api.internal", [], ask)).toEqual(["10.0.0.1"]);
    expect(asked).toHaveLength(4);
  });
});

import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mintRateLimitKey } from "../src/rate-limit-key";

describe("mintRateLimitKey", () => {
  it("keys IPv4 by the whole address", () => {
    expect(mintRateLimitKey("192.0.2.1")).toBe("192.0.2.1");
    expect(mintRateLimitKey("192.0.2.2")).toBe("192.0.2.2");
  });

  it("keys IPv6 by its /64, whatever the spelling", () => {
    const key = "2001:db8:1:2::/64";
    for (const address of [
      "2001:db8:1:2::1",
      "2001:db8:1:2:ffff:ffff:ffff:ffff",
      "2001:0DB8:0001:0002:0000:0000:0000:0001",
      "2001:db8:1:2:a:b:c:d",
      "2001:db8:1:2:0:0:192.0.2.1",
      "2001:db8:1:2::1%eth0",
    ]) {
      expect(mintRateLimitKey(address), address).toBe(key);
    }
    expect(mintRateLimitKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(mintRateLimitKey("::1")).toBe("0:0:0:0::/64");
    expect(mintRateLimitKey("2001:db8::")).toBe("2001:db8:0:0::/64");
  });

  it("keys an IPv4-mapped IPv6 address as its IPv4 address", () => {
    expect(mintRateLimitKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(mintRateLimitKey("::ffff:c000:201")).toBe("192.0.2.1");
  });

  it("keys what does not parse as itself", () => {
    for (const address of ["unknown", "1:2:3", "1::2::3", "2001:db8:1:2:3:4:5:6:7", "256.1.1.1"]) {
      expect(mintRateLimitKey(address), address).toBe(address);
    }
  });
});

function mint(ip: string): Promise<Response> {
  return exports.default.fetch("https://api.example/tunnel", {
    method: "POST",
    headers: { "cf-connecting-ip": ip },
  });
}

describe("POST /tunnel rate limit", () => {
  // Regression: the limit was keyed on the whole address, so one IPv6 subscriber could mint
  // without bound by rotating through the 2^64 addresses of its own /64.
  it("counts every address of one IPv6 /64 against one limit", async () => {
    let minted = 0;
    let limited: Response | null = null;
    for (let i = 1; i <= 40 && !limited; i++) {
      const response = await mint(`2001:db8:aa:bb::${i.toString(16)}`);
      if (response.status === 429) limited = response;
      else {
        expect(response.status).toBe(200);
        minted++;
      }
    }
    expect(limited?.status).toBe(429);
    expect(minted).toBeLessThan(40);
    // The neighbouring /64 has its own limit.
    expect((await mint("2001:db8:aa:bc::1")).status).toBe(200);
  });
});

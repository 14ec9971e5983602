import { describe, expect, it } from "vitest";
import { startDnsServer } from "../../../../workers/binding/local/dns-server";
import { DnsResolver } from "./dns-resolver";
import { VpcNetworks } from "./networks";
import { vpcOptionsFrom } from "./options";

const target = (address: string, port = 80) => ({
  address,
  port,
  tls: false,
  serverName: "",
  certVerification: "full" as const,
});

describe("VpcNetworks", () => {
  it("allows private ranges by default and nothing else", () => {
    const networks = VpcNetworks.parse(undefined);
    for (const address of ["10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fd00::1"]) {
      expect(networks.allows(address), address).toBe(true);
    }
    // Loopback and cloud metadata must be allowed explicitly.
    for (const address of ["127.0.0.1", "169.254.169.254", "172.32.0.1", "8.8.8.8", "::1"]) {
      expect(networks.allows(address), address).toBe(false);
    }
  });

  it("refuses hostnames, bad ports and addresses outside --vpc-allow", () => {
    const networks = VpcNetworks.parse("127.0.0.0/8");
    expect(networks.refusal(target("127.0.0.1", 8080))).toBeNull();
    expect(networks.refusal(target("localhost"))).toMatch(/must be IP addresses/);
    expect(networks.refusal(target("127.0.0.1", 0))).toMatch(/not 1-65535/);
    expect(networks.refusal(target("10.0.0.1"))).toMatch(/outside the networks/);
  });

  it("rejects malformed CIDRs with a fix", () => {
    for (const bad of ["10.0.0.0", "10.0.0.0/33", "example.com/8", "fd00::/129", "1.2.3.4/8/9"]) {
      expect(() => VpcNetworks.parse(bad), bad).toThrow(/bad --vpc-allow entry/);
    }
    expect(() => vpcOptionsFrom("10.0.0.0/8", "dns.example")).toThrow(/bad --resolver/);
  });
});

describe("DnsResolver", () => {
  it("answers A and AAAA with TTLs from the given DNS server, and NXDOMAIN", async () => {
    const server = await startDnsServer(
      { "api.internal.test": { A: ["10.0.0.7"], AAAA: ["fd00::7"] } },
      42,
    );
    try {
      const resolver = new DnsResolver(VpcNetworks.parse("10.0.0.0/8"), [server.address]);
      expect(await resolver.resolve("api.internal.test", "A", [])).toEqual({
        status: "ok",
        addresses: ["10.0.0.7"],
        ttlSeconds: 42,
      });
      expect(await resolver.resolve("api.internal.test", "AAAA", [])).toMatchObject({
        status: "ok",
        addresses: ["fd00::7"],
      });
      expect(await resolver.resolve("nope.internal.test", "A", [])).toMatchObject({
        status: "nxdomain",
      });
      expect(server.questions).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it("asks a service's resolver_ips only when they lie in the allowed networks", async () => {
    const server = await startDnsServer({ "db.internal.test": { A: ["127.0.0.9"] } });
    try {
      const allowed = new DnsResolver(VpcNetworks.parse("127.0.0.0/8"));
      expect(await allowed.resolve("db.internal.test", "A", [server.address])).toMatchObject({
        status: "ok",
        addresses: ["127.0.0.9"],
      });
      const closed = new DnsResolver(VpcNetworks.parse("10.0.0.0/8"));
      expect(await closed.resolve("db.internal.test", "A", [server.address])).toMatchObject({
        status: "refused",
      });
      expect(server.questions).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

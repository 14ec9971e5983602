import { env, exports } from "cloudflare:workers";
import { getTunnel, hashSecret, listAudit, listDnsRecords } from "@burrow/registry";
import { describe, expect, it } from "vitest";
import { randomHostname } from "../src/hostname";
import { mintQuickTunnel } from "../src/mint";
import { WORDS } from "../src/words";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function mint(ip = "192.0.2.1"): Promise<Response> {
  return exports.default.fetch("https://api.example/tunnel", {
    method: "POST",
    headers: { "cf-connecting-ip": ip },
  });
}

function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

async function zoneRecords(): Promise<
  Array<{ id: string; name: string; content: string; type: string }>
> {
  const base = env.CF_API_BASE.replace(/\/client\/v4$/, "");
  return (await fetch(`${base}/__control/records`)).json();
}

describe("POST /tunnel", () => {
  it("answers exactly the envelope cloudflared's quick-tunnel client parses", async () => {
    const response = await mint();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.success).toBe(true);
    expect(body.errors).toEqual([]);
    const result = body.result as Record<string, string>;
    expect(Object.keys(result).sort()).toEqual(["account_tag", "hostname", "id", "name", "secret"]);
    expect(result.id).toMatch(UUID);
    expect(result.name).toMatch(/^qt-[0-9a-f]{32}$/);
    expect(result.account_tag).toMatch(/^[0-9a-f]{32}$/);
    expect(result.secret).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(decodeBase64(result.secret!).byteLength).toBe(32);
    const [words, zone] = [
      result.hostname!.split(".")[0]!,
      result.hostname!.split(".").slice(1).join("."),
    ];
    expect(zone).toBe(env.ZONE);
    expect(words.split("-")).toHaveLength(4);
    for (const word of words.split("-")) expect(WORDS).toContain(word);
  });

  it("stores the tunnel with a hashed secret and its DNS record in D1", async () => {
    const { result } = (await (await mint()).json()) as { result: Record<string, string> };
    const tunnel = await getTunnel(env.DB, result.id!);
    expect(tunnel?.kind).toBe("quick");
    expect(tunnel?.name).toBe(result.name);
    expect(tunnel?.secretHash).toBe(await hashSecret(decodeBase64(result.secret!)));
    expect(tunnel?.secretHash).not.toContain(result.secret);
    const records = await listDnsRecords(env.DB, result.id!);
    expect(records.map((r) => [r.hostname, r.type, r.content])).toEqual([
      [result.hostname, "CNAME", `${result.id}.cfargotunnel.com`],
    ]);
    expect((await listAudit(env.DB, result.id!)).map((entry) => entry.event)).toContain("Created");
  });

  it("creates the CNAME in the configured zone and remembers its record id", async () => {
    const { result } = (await (await mint()).json()) as { result: Record<string, string> };
    const inZone = (await zoneRecords()).find((record) => record.name === result.hostname);
    expect(inZone).toMatchObject({ type: "CNAME", content: `${result.id}.cfargotunnel.com` });
    const [record] = await listDnsRecords(env.DB, result.id!);
    expect(record?.zoneRecordId).toBe(inZone?.id);
  });

  it("answers 502 in the envelope and keeps nothing when the zone refuses the record", async () => {
    const base = env.CF_API_BASE.replace(/\/client\/v4$/, "");
    await fetch(`${base}/__control/fail?count=1&status=500`, { method: "POST" });
    const response = await mint();
    expect(response.status).toBe(502);
    const body = (await response.json()) as {
      success: boolean;
      errors: Array<{ code: number; message: string }>;
    };
    expect(body.success).toBe(false);
    expect(body.errors[0]?.message).toMatch(/^upstream_failed: /);
    const leftovers = await env.DB.prepare(
      "SELECT count(*) AS n FROM tunnels WHERE deleted_at IS NULL AND id NOT IN (SELECT tunnel_id FROM dns_records)",
    ).first<{ n: number }>();
    expect(leftovers?.n).toBe(0);
  });

  it("retries a hostname that is already taken", async () => {
    const { result } = (await (await mint()).json()) as { result: Record<string, string> };
    const candidates = [result.hostname!, result.hostname!, randomHostname(env.ZONE)];
    const minted = await mintQuickTunnel(env, Date.now(), () => candidates.shift()!);
    expect(minted.hostname).not.toBe(result.hostname);
    expect(candidates).toHaveLength(0);
  });

  it("answers 429 as JSON with Retry-After once a client IP mints too often", async () => {
    const ip = "198.51.100.7";
    let limited: Response | null = null;
    for (let i = 0; i < 40 && !limited; i++) {
      const response = await mint(ip);
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(200);
    }
    expect(limited).not.toBeNull();
    expect(limited?.headers.get("retry-after")).toBe("60");
    const body = (await limited?.json()) as {
      success: boolean;
      result: null;
      errors: Array<{ code: number; message: string }>;
    };
    expect(body).toMatchObject({ success: false, result: null });
    expect(body.errors[0]).toMatchObject({ code: 1015 });
    // Another address is not affected.
    expect((await mint("203.0.113.9")).status).toBe(200);
  });

  it("allows cross-origin calls", async () => {
    const preflight = await exports.default.fetch("https://api.example/tunnel", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("answers unknown paths with a JSON 404 envelope", async () => {
    const response = await exports.default.fetch("https://api.example/nope");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ success: false, errors: [{ code: 1001 }] });
  });
});

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ConnectionRecord } from "@burrow/tunnel-contract";
import { describe, expect, it } from "vitest";
import { ConnectionDirectory, newConnectionRecord } from "../src/tunnel/connection-directory";

/** A fresh Tunnel DO's real storage, given to `use` inside the object. */
async function inTunnel<T>(use: (kv: SyncKvStorage) => T | Promise<T>): Promise<T> {
  const stub = env.TUNNEL.getByName(crypto.randomUUID());
  return runInDurableObject(stub, (_instance, state) => use(state.storage.kv));
}

function record(overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  const arrival = {
    tunnelId: "t",
    connectorId: "c",
    version: "test",
    arch: "test",
    connIndex: 0,
    originIp: "",
    colo: "",
  };
  return { ...newConnectionRecord(arrival, Date.now()), registered: true, ...overrides };
}

describe("the Tunnel DO's directory of connections", () => {
  it("routes only registered connections that are not draining, with the feature asked for", async () => {
    const routable = await inTunnel((kv) => {
      const directory = new ConnectionDirectory(kv);
      const live = record({ features: ["vpc"] });
      directory.add(live, Date.now());
      directory.add(record({ registered: false }), Date.now());
      directory.add(record({ draining: true }), Date.now());
      directory.add(record(), Date.now());
      return {
        all: directory.routable().length,
        vpc: directory.routable("vpc").map((r) => r.connectionId),
        liveId: live.connectionId,
        size: directory.size,
      };
    });
    expect(routable.size).toBe(4);
    expect(routable.all).toBe(2);
    expect(routable.vpc).toEqual([routable.liveId]);
  });

  it("picks in turn, skipping the connections a request already tried", async () => {
    const result = await inTunnel((kv) => {
      const directory = new ConnectionDirectory(kv);
      const [a, b, c] = [record(), record(), record()];
      for (const r of [a, b, c]) directory.add(r, Date.now());
      const skip = new Set([a.connectionId, b.connectionId]);
      const picks = Array.from({ length: 3 }, () => directory.pick(undefined, skip)?.connectionId);
      const none = directory.pick(undefined, new Set([a, b, c].map((r) => r.connectionId)));
      return { picks, c: c.connectionId, none };
    });
    expect(result.picks).toEqual([result.c, result.c, result.c]);
    expect(result.none).toBeNull();
  });

  it("survives a new instance from storage, and hands its inherited entries out once to verify", async () => {
    const result = await inTunnel((kv) => {
      const first = new ConnectionDirectory(kv);
      const kept = record({ servedRequests: 7 });
      first.add(kept, Date.now());
      const again = new ConnectionDirectory(kv);
      const inherited = again.takeUnverified().map((r) => r.connectionId);
      const secondTake = again.takeUnverified();
      const stored = again.get(kept.connectionId);
      again.remove(kept.connectionId);
      return {
        id: kept.connectionId,
        inherited,
        secondTake,
        stored,
        afterRemove: new ConnectionDirectory(kv).size,
      };
    });
    expect(result.inherited).toEqual([result.id]);
    expect(result.secondTake).toEqual([]);
    // Counters are the object's memory, never stored.
    expect(result.stored).not.toHaveProperty("servedRequests");
    expect(result.afterRemove).toBe(0);
  });

  it("treats a just-admitted connection as settling, an inherited one not", async () => {
    const result = await inTunnel((kv) => {
      const directory = new ConnectionDirectory(kv);
      const fresh = record();
      directory.add(fresh, Date.now());
      const reopened = new ConnectionDirectory(kv);
      return {
        fresh: directory.settling(fresh.connectionId, Date.now()),
        later: directory.settling(fresh.connectionId, Date.now() + 31_000),
        inherited: reopened.settling(fresh.connectionId, Date.now()),
      };
    });
    expect(result).toEqual({ fresh: true, later: false, inherited: false });
  });
});

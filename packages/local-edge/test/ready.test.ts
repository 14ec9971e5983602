import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalEdge, startLocalEdge } from "../src/index";

/** A port the OS just handed out and released, for a server that must be told its port upfront. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function refused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === "ECONNREFUSED" || cause?.code === "ECONNRESET";
}

/**
 * Starts the edge on a known port while minting in a tight loop, and returns the status of the
 * first request the port accepted: what a visitor or a reconnecting connector meets at startup.
 */
async function firstMintWhileStarting(
  options: { persistTo?: string },
  started: LocalEdge[],
): Promise<number> {
  const port = await freePort();
  let done = false;
  const edge = startLocalEdge({ port, ...options }).then((running) => {
    started.push(running);
    return running;
  });
  edge
    .catch(() => {})
    .finally(() => {
      done = true;
    });
  const deadline = Date.now() + 60_000;
  // Bounded by the deadline and by the edge having started (after which one more try suffices).
  while (Date.now() < deadline) {
    const finishedBefore = done;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/tunnel`, { method: "POST" });
      await response.body?.cancel();
      await edge;
      return response.status;
    } catch (error) {
      if (!refused(error) || finishedBefore) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
  throw new Error("the edge never opened its port");
}

describe("local edge startup", () => {
  const started: LocalEdge[] = [];
  const temporary: string[] = [];
  afterEach(async () => {
    for (const edge of started.splice(0)) await edge.dispose();
    for (const dir of temporary.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  // Regression: the port opened before the D1 migrations ran, so the first POST /tunnel after a
  // fresh start answered 500 "D1_ERROR: no such table: tunnels".
  it("answers the first request after a fresh persisted start with a minted tunnel", async () => {
    const state = await mkdtemp(path.join(tmpdir(), "burrow-local-edge-"));
    temporary.push(state);
    expect(await firstMintWhileStarting({ persistTo: state }, started)).toBe(200);
  });

  it("answers the first request of an in-memory edge with a minted tunnel", async () => {
    expect(await firstMintWhileStarting({}, started)).toBe(200);
  });

  it("keeps what a persisted edge stored across a restart and applies no migration twice", async () => {
    const state = await mkdtemp(path.join(tmpdir(), "burrow-local-edge-"));
    temporary.push(state);
    const logs: string[] = [];
    const first = await startLocalEdge({ persistTo: state, log: (line) => logs.push(line) });
    started.push(first);
    const minted = await fetch(new URL("/tunnel", first.url), { method: "POST" });
    const { result } = (await minted.json()) as { result: { id: string } };
    await first.dispose();
    started.pop();
    expect(logs.some((line) => line.startsWith("applied D1 migrations: 0001_init.sql"))).toBe(true);

    logs.length = 0;
    const second = await startLocalEdge({ persistTo: state, log: (line) => logs.push(line) });
    started.push(second);
    expect(logs.filter((line) => line.startsWith("applied D1 migrations"))).toEqual([]);
    const db = await second.miniflare.getD1Database("DB");
    const row = await db.prepare("SELECT id FROM tunnels WHERE id = ?1").bind(result.id).first();
    expect(row).toEqual({ id: result.id });
  });
});

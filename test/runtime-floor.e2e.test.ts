import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startBenchOrigin } from "../scripts/bench/bench-origin";
import { directMisses, floorMisses } from "../scripts/bench/report";
import { type RuntimeFloor, startRuntimeFloor } from "../scripts/bench/runtime-floor";

/**
 * The bench's runtime floor (scripts/bench/runtime-floor.ts) judges which of issue 12's targets no
 * Workers tunnel can meet; its figures mean something only if it really carries the bench's
 * requests to the origin and back, through its own workerd and peer process.
 */
describe("the bench's runtime floor", () => {
  let origin: Awaited<ReturnType<typeof startBenchOrigin>>;
  let floor: RuntimeFloor;

  beforeAll(async () => {
    origin = await startBenchOrigin();
    floor = await startRuntimeFloor(origin.url);
  });
  afterAll(async () => {
    await floor?.close();
    await origin?.close();
  });

  it("carries a small GET to the origin and its answer back", async () => {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`http://127.0.0.1:${floor.port}/small`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("ok");
    }
    expect(floor.workerdPids).toHaveLength(1);
    expect(floor.peerPid).toBeGreaterThan(0);
  });

  it("moves body bytes both ways for the CPU-per-GiB floor, and reaches the origin's bodies", async () => {
    const base = `http://127.0.0.1:${floor.port}`;
    const bytes = 3 * 1024 * 1024 + 17;
    const download = await fetch(`${base}/bytes?n=${bytes}`);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(bytes);
    const upload = await fetch(`${base}/upload`, { method: "POST", body: new Uint8Array(bytes) });
    expect(await upload.text()).toBe(String(bytes));
    expect(await (await fetch(`${base}/drain?n=${bytes}`)).text()).toBe(`drain ${bytes}`);
    expect(await (await fetch(`${base}/fill?n=${bytes}`)).text()).toBe(`fill ${bytes}`);
  });

  it("relays WebSocket messages, text and binary, to the origin's echo and back", async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${floor.port}/`);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    const next = () =>
      new Promise<[Buffer, boolean]>((resolve) =>
        socket.once("message", (data, binary) => resolve([data as Buffer, binary])),
      );
    socket.send("ping 1");
    expect((await next()).map(String)).toEqual(["ping 1", "false"]);
    socket.send(Buffer.from([0, 1, 2, 255]));
    const [bytes, binary] = await next();
    expect(binary).toBe(true);
    expect([...bytes]).toEqual([0, 1, 2, 255]);
    socket.close();
  });

  it("marks a miss as beyond the floor only when the floor misses the target too", () => {
    const figure = {
      key: "get_c1_rps",
      label: "small GET c=1",
      unit: "req/s",
      value: 800,
      baseline: 20_000,
      targets: [{ on: "ratio", op: ">=", limit: 0.11 } as const],
    };
    expect(floorMisses({ ...figure, floor: 1_000 })).toBe(true);
    expect(floorMisses({ ...figure, floor: 2_400 })).toBe(false);
    expect(floorMisses(figure)).toBe(false);
  });

  it("marks a miss as one direct shares only when direct misses the rule held to its own figures", () => {
    const echo = {
      key: "echo_seconds",
      label: "10 MiB POST echoed back",
      unit: "s",
      value: 0.095,
      baseline: 0.081,
      targets: [{ on: "value", op: "<=", limit: 0.052 } as const],
    };
    expect(directMisses({ ...echo, directMeetsOwnLimit: false })).toBe(true);
    expect(directMisses({ ...echo, directMeetsOwnLimit: true })).toBe(false);
    expect(directMisses(echo)).toBe(false);
    // A PASS is never marked.
    expect(directMisses({ ...echo, value: 0.05, directMeetsOwnLimit: false })).toBe(false);
  });
});

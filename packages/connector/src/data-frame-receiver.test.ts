import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { decodeFrame, encodeFrame, MAX_FRAME_BYTES } from "@burrow/wire";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { DataFrameReceiver } from "./data-frame-receiver";

/** What a client saw, in order; a data frame reads the same whichever way it arrived. */
type Event =
  | { data: number; bytes: string }
  | { binary: string }
  | { text: string }
  | { ping: string }
  | { pong: string }
  | { error: string }
  | { close: number; reason: string };

interface Client {
  events: Event[];
  /** Data frames DataFrameReceiver delivered (0 for the plain ws client). */
  taken: number;
  /** Bytes the TCP socket read. */
  readBytes: number;
  closed: boolean;
  ws: WebSocket;
}

/** A server and two clients, one plain ws and one with a DataFrameReceiver, fed the same bytes. */
interface Pair {
  plain: Client;
  taking: Client;
  /** Writes `pieces` to both, each as its own read: the next goes once both read the last. */
  send(pieces: Uint8Array[]): Promise<void>;
  /** Writes `pieces` to both and waits a moment: for clients whose sockets are paused. */
  sendUnread(pieces: Uint8Array[]): Promise<void>;
  /** Resets both TCP connections from the server's side. */
  reset(): void;
  close(): Promise<void>;
}

const pairs: Pair[] = [];
afterEach(async () => {
  for (const pair of pairs.splice(0)) await pair.close();
});

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function pattern(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + seed * 7) % 256;
  return out;
}

/** One unmasked server frame: FIN and opcode in `first`, the shortest length form. */
function wsFrame(first: number, payload: Uint8Array, lengthForm?: 7 | 16 | 64): Uint8Array {
  const length = payload.byteLength;
  const form = lengthForm ?? (length < 126 ? 7 : length < 65_536 ? 16 : 64);
  const header = Buffer.alloc(form === 7 ? 2 : form === 16 ? 4 : 10);
  header[0] = first;
  if (form === 7) header[1] = length;
  else if (form === 16) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    header.writeUInt32BE(length >>> 0, 6);
  }
  return Buffer.concat([header, payload]);
}

const binary = (payload: Uint8Array, form?: 7 | 16 | 64) => wsFrame(0x82, payload, form);
const text = (value: string) => wsFrame(0x81, Buffer.from(value));
const dataFrame = (streamId: number, bytes: number, seed = streamId) =>
  binary(encodeFrame({ kind: "data", streamId, bytes: pattern(bytes, seed) }));

function join(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

async function connect(port: number, taking: boolean): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, {
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
  });
  ws.binaryType = "nodebuffer";
  const client: Client = { events: [], taken: 0, readBytes: 0, closed: false, ws };
  ws.on("open", () => {
    if (taking) {
      const receiver = DataFrameReceiver.attach(ws, (streamId, chunks, byteLength) => {
        const bytes = Buffer.concat(chunks);
        expect(bytes.byteLength).toBe(byteLength);
        client.taken++;
        client.events.push({ data: streamId, bytes: hex(bytes) });
      });
      expect(receiver).not.toBeNull();
    }
    const tcp = (ws as unknown as { _socket: Duplex })._socket;
    tcp.on("data", (chunk: Buffer) => {
      client.readBytes += chunk.byteLength;
    });
  });
  ws.on("message", (data: Buffer, isBinary) => {
    if (!isBinary) {
      client.events.push({ text: data.toString() });
      return;
    }
    const decoded = decodeFrame(data, { viewPayload: true });
    if (decoded.ok && decoded.frame.kind === "data") {
      client.events.push({ data: decoded.frame.streamId, bytes: hex(decoded.frame.bytes) });
    } else {
      client.events.push({ binary: hex(data) });
    }
  });
  ws.on("ping", (data: Buffer) => client.events.push({ ping: hex(data) }));
  ws.on("pong", (data: Buffer) => client.events.push({ pong: hex(data) }));
  ws.on("error", (error: Error & { code?: string }) =>
    client.events.push({ error: error.code ?? error.message }),
  );
  ws.on("close", (code, reason) => {
    client.closed = true;
    client.events.push({ close: code, reason: reason.toString() });
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  return client;
}

async function pair(): Promise<Pair> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const port = (server.address() as AddressInfo).port;
  const peers: Duplex[] = [];
  server.on("connection", (peer) => {
    peer.on("error", () => {});
    peers.push((peer as unknown as { _socket: Duplex })._socket);
  });
  const plain = await connect(port, false);
  const taking = await connect(port, true);
  while (peers.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
  let sent = 0;
  const result: Pair = {
    plain,
    taking,
    async send(pieces) {
      for (const piece of pieces) {
        for (const peer of peers) peer.write(piece);
        sent += piece.byteLength;
        const deadline = Date.now() + 5_000;
        while (
          (plain.readBytes < sent && !plain.closed) ||
          (taking.readBytes < sent && !taking.closed)
        ) {
          if (Date.now() > deadline)
            throw new Error(`read ${plain.readBytes}/${taking.readBytes} of ${sent}`);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      // Let events ws defers (close, error) land.
      await new Promise((resolve) => setTimeout(resolve, 5));
    },
    async sendUnread(pieces) {
      for (const piece of pieces) for (const peer of peers) peer.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
    reset() {
      for (const peer of peers) (peer as import("node:net").Socket).resetAndDestroy();
    },
    async close() {
      plain.ws.terminate();
      taking.ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  pairs.push(result);
  return result;
}

/** Cuts `bytes` at `cuts` (sorted, inside it). */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const at of cuts) {
    if (at > from && at < bytes.byteLength) pieces.push(bytes.subarray(from, at));
    from = Math.max(from, at);
  }
  pieces.push(bytes.subarray(from));
  return pieces;
}

async function expectSame(p: Pair, pieces: Uint8Array[], label: string): Promise<Event[]> {
  p.plain.events = [];
  p.taking.events = [];
  await p.send(pieces);
  expect(p.taking.events, label).toEqual(p.plain.events);
  return p.taking.events;
}

/** A data frame whose list says 200 bytes in a frame that holds 100: decodeFrame refuses it. */
function lyingDataFrame(): Uint8Array {
  const frame = encodeFrame({ kind: "data", streamId: 7, bytes: pattern(100, 1) });
  new DataView(frame.buffer).setUint32(36, (200 << 3) | 2, true);
  expect(decodeFrame(frame).ok).toBe(false);
  return binary(frame);
}

describe("DataFrameReceiver", () => {
  it("reads the same frames as ws wherever the reads split them, and takes the data frames", async () => {
    const p = await pair();
    const frames = join([
      dataFrame(1, 0),
      dataFrame(2, 13),
      text("pong"),
      wsFrame(0x89, Buffer.from("hb")), // ping
      dataFrame(3, 150), // 16-bit WebSocket length
      binary(encodeFrame({ kind: "windowUpdate", streamId: 3, bytes: 4096 })),
      binary(pattern(20, 3)), // shorter than a data frame's header
      wsFrame(0x01, Buffer.from("frag")), // a fragmented text message, a ping inside it
      wsFrame(0x89, Buffer.from("in")),
      wsFrame(0x80, Buffer.from("ment")),
      dataFrame(0xffff_ffff, 9),
      lyingDataFrame(),
      dataFrame(4, 5),
    ]);
    let taken = 0;
    for (let at = 1; at < frames.byteLength; at++) {
      const before = p.taking.taken;
      const events = await expectSame(p, cut(frames, [at]), `cut at ${at}`);
      expect(events.length, `cut at ${at}`).toBe(12);
      taken += p.taking.taken - before;
    }
    // Every canonical data frame (five of them) went around ws, at every cut.
    expect(taken).toBe(5 * (frames.byteLength - 1));
    expect(p.plain.taken).toBe(0);
  });

  it("reads frames cut into many small reads at random places", async () => {
    const p = await pair();
    const frames = join([
      dataFrame(1, 70_000), // 64-bit WebSocket length
      text("x"),
      dataFrame(2, 1),
      binary(encodeFrame({ kind: "data", streamId: 5, bytes: pattern(64, 2) }), 64), // long form
      dataFrame(3, 300),
      wsFrame(0x8a, Buffer.from("pong")),
    ]);
    let seed = 12_345;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 60; round++) {
      const cuts = Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
        Math.floor(random() * frames.byteLength),
      ).sort((a, b) => a - b);
      const events = await expectSame(p, cut(frames, cuts), `round ${round}: ${cuts}`);
      expect(events.length).toBe(6);
    }
    expect(p.taking.taken).toBe(60 * 4);
  });

  it("takes a 512 KiB frame and many frames in one read, views of the reads", async () => {
    const p = await pair();
    const many = join(Array.from({ length: 200 }, (_, i) => dataFrame(i + 1, i % 17)));
    await expectSame(p, [many], "200 frames in one read");
    expect(p.taking.taken).toBe(200);
    const large = join([dataFrame(9, 512 * 1024), dataFrame(9, 512 * 1024 - 3), text("after")]);
    const events = await expectSame(p, [large], "512 KiB frames");
    expect(events.map((event) => Object.keys(event)[0])).toEqual(["data", "data", "text"]);
    expect(p.taking.taken).toBe(202);
  });

  it("leaves a binary message ws joins from many reads to ws, with its backpressure", async () => {
    const p = await pair();
    const message = binary(pattern(300_000, 4)); // not a data frame
    const pieces = cut(
      join([message, dataFrame(2, 40_000)]),
      Array.from({ length: 30 }, (_, i) => 3 + i * 11_111),
    );
    const events = await expectSame(p, pieces, "binary message in 30 reads");
    expect(events).toHaveLength(2);
    expect(p.taking.taken).toBe(1);
  });

  it("keeps the close handshake: ws answers the close, and nothing after it is read", async () => {
    const p = await pair();
    const close = wsFrame(0x88, Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from("bye")]));
    const events = await expectSame(
      p,
      [join([dataFrame(1, 10), close, dataFrame(2, 10), text("late")])],
      "close",
    );
    expect(events).toEqual([
      { data: 1, bytes: hex(pattern(10, 1)) },
      { close: 4001, reason: "bye" },
    ]);
  });

  it("fails the connection as ws does on a masked frame, reserved bits or a length over maxPayload", async () => {
    const masked = Buffer.from(dataFrame(1, 10));
    masked[1]! |= 0x80;
    const reserved = Buffer.from(dataFrame(1, 10));
    reserved[0]! |= 0x40;
    const huge = Buffer.from(wsFrame(0x82, new Uint8Array(0), 64));
    huge.writeUInt32BE(0, 2);
    huge.writeUInt32BE(MAX_FRAME_BYTES + 1, 6);
    const hugeData = join([huge, encodeFrame({ kind: "data", streamId: 1, bytes: pattern(8, 1) })]);
    for (const [name, bad] of [
      ["masked", masked],
      ["reserved bits", reserved],
      ["over maxPayload", hugeData],
      [
        "binary inside a fragmented message",
        join([wsFrame(0x01, Buffer.from("a")), dataFrame(1, 3)]),
      ],
    ] as const) {
      const p = await pair();
      // The bad header is cut in two reads: the decision must wait for its second half.
      const bytes = join([dataFrame(3, 4), bad, dataFrame(4, 4)]);
      const events = await expectSame(p, cut(bytes, [51]), name);
      expect(events[0], name).toEqual({ data: 3, bytes: hex(pattern(4, 3)) });
      expect(
        events.some((event) => "error" in event),
        name,
      ).toBe(true);
      expect(
        events.some((event) => "data" in event && event.data === 4),
        name,
      ).toBe(false);
      expect(p.taking.taken, name).toBe(1);
    }
  });

  it("reads what a paused socket still holds when the connection resets, as ws does", async () => {
    const p = await pair();
    const tcps = [p.plain, p.taking].map(
      (client) => (client.ws as unknown as { _socket: Duplex })._socket,
    );
    p.plain.events = [];
    p.taking.events = [];
    // The first part of a data frame is read; the rest and a text message pile up in the paused
    // sockets, so the reset finds this receiver in the middle of the frame.
    const frame = dataFrame(1, 3_000);
    await p.send([frame.subarray(0, 1_000)]);
    for (const tcp of tcps) tcp.pause();
    await p.sendUnread([join([frame.subarray(1_000), text("last")])]);
    p.reset();
    const deadline = Date.now() + 5_000;
    while (!(p.plain.closed && p.taking.closed) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(p.taking.events).toEqual(p.plain.events);
    expect(p.taking.events.slice(0, 2)).toEqual([
      { data: 1, bytes: hex(pattern(3_000, 1)) },
      { text: "last" },
    ]);
    expect(p.taking.taken).toBe(1);
  });

  it("passes a frame that lies about its length to ws whole, where decodeFrame refuses it", async () => {
    const p = await pair();
    const events = await expectSame(p, cut(lyingDataFrame(), [3, 50, 90]), "lying");
    expect(events).toHaveLength(1);
    expect(events[0]).toHaveProperty("binary");
    expect(p.taking.taken).toBe(0);
  });
});

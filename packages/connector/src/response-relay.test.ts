import http from "node:http";
import type net from "node:net";
import { INITIAL_WINDOW_BYTES, MAX_DATA_CHUNK_BYTES, SendWindow } from "@burrow/wire";
import { afterEach, describe, expect, it } from "vitest";
import { ResponseRelay } from "./response-relay";

const PIECE_BYTES = 64 * 1024;

const until = async (check: () => boolean) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

/**
 * An origin writing `pieces` pieces of 64 KiB, each in its own timer turn, then `end`ing or not;
 * with `gateBefore`, it writes that piece only once `release()` is called.
 */
async function pieceOrigin(
  pieces: number,
  options: { end: boolean; declared: number; gateBefore?: number },
) {
  const body = Buffer.alloc(pieces * PIECE_BYTES);
  for (let i = 0; i < body.length; i++) body[i] = i % 253;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { "content-length": String(options.declared) });
    let sent = 0;
    const next = async () => {
      if (sent === pieces) {
        if (options.end) response.end();
        return;
      }
      if (sent === options.gateBefore) await gate;
      response.write(body.subarray(sent * PIECE_BYTES, (sent + 1) * PIECE_BYTES));
      sent++;
      setTimeout(next, 2);
    };
    void next();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { body, server, port, release };
}

/** Relays one GET's response into recorded frames, with the window the test grants into. */
async function relayFrom(port: number) {
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: "/", agent: false }, resolve);
    request.on("error", reject);
  });
  const window = new SendWindow(INITIAL_WINDOW_BYTES);
  const frames: Uint8Array[] = [];
  let ended = false;
  const relay = new ResponseRelay(response, {
    bodyless: false,
    window,
    sink: {
      head: (_status, _text, _headers, body) => frames.push(body),
      data: (chunks) => frames.push(Buffer.concat(chunks)),
      end: () => (ended = true),
      aborted: () => {},
    },
  });
  relay.start();
  const sentBytes = () => frames.reduce((total, frame) => total + frame.byteLength, 0);
  /** Credit from the edge, as OriginStream hands a `windowUpdate` on; settles before returning. */
  const grant = async (bytes: number) => {
    window.grant(bytes);
    relay.credited();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { response, relay, window, frames, sentBytes, grant, ended: () => ended };
}

const servers: http.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe("ResponseRelay", () => {
  it("joins reads of several turns into full frames while the edge's window lacks a full frame", async () => {
    const pieces = 40;
    const origin = await pieceOrigin(pieces, { end: true, declared: pieces * PIECE_BYTES });
    servers.push(origin.server);
    const relay = await relayFrom(origin.port);
    // The edge is slower than the origin: it grants a frame's worth only once the relay has had
    // to stop the origin for want of credit.
    let framesBeforeGrants = -1;
    for (let grants = 0; !relay.ended() && grants < 40; grants++) {
      await until(() => relay.response.isPaused() || relay.ended());
      if (relay.ended()) break;
      if (framesBeforeGrants < 0) framesBeforeGrants = relay.frames.length;
      await relay.grant(MAX_DATA_CHUNK_BYTES);
    }
    expect(relay.ended()).toBe(true);
    expect(Buffer.concat(relay.frames).equals(origin.body)).toBe(true);
    // Past the first window, every frame but the body's last is a full one, though the origin's
    // pieces arrive one per turn.
    const later = relay.frames.slice(framesBeforeGrants, -1).map((frame) => frame.byteLength);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((bytes) => bytes === MAX_DATA_CHUNK_BYTES)).toBe(true);
    relay.relay.stop();
  });

  it("sends a turn's bytes at once while the window has room for a full frame", async () => {
    // Declared longer than one frame, so the head does not wait for the whole body.
    const origin = await pieceOrigin(2, {
      end: false,
      declared: 4 * INITIAL_WINDOW_BYTES,
      gateBefore: 1,
    });
    servers.push(origin.server);
    const relay = await relayFrom(origin.port);
    // The first piece leaves while the origin waits to write the second.
    await until(() => relay.sentBytes() === PIECE_BYTES);
    expect(relay.sentBytes()).toBe(PIECE_BYTES);
    origin.release();
    await until(() => relay.sentBytes() === 2 * PIECE_BYTES);
    expect(Buffer.concat(relay.frames).equals(origin.body)).toBe(true);
    relay.relay.stop();
    relay.response.destroy();
  });

  it("sends a held partial frame once the edge's credit reaches a full frame, with no more reads", async () => {
    // Enough pieces to leave less than a full frame of credit, then one more once they are out.
    const inWindow = (INITIAL_WINDOW_BYTES - MAX_DATA_CHUNK_BYTES) / PIECE_BYTES + 1;
    const pieces = inWindow + 1;
    const origin = await pieceOrigin(pieces, {
      end: false,
      declared: 4 * INITIAL_WINDOW_BYTES,
      gateBefore: inWindow,
    });
    servers.push(origin.server);
    const relay = await relayFrom(origin.port);
    await until(() => relay.sentBytes() === inWindow * PIECE_BYTES);
    expect(relay.window.credit).toBeLessThan(MAX_DATA_CHUNK_BYTES);
    origin.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The last piece waits to be joined: the edge still holds more than ¾ of the window.
    expect(relay.sentBytes()).toBe(inWindow * PIECE_BYTES);
    await relay.grant(PIECE_BYTES);
    await until(() => relay.sentBytes() === pieces * PIECE_BYTES);
    expect(relay.sentBytes()).toBe(pieces * PIECE_BYTES);
    expect(Buffer.concat(relay.frames).equals(origin.body)).toBe(true);
    relay.relay.stop();
    relay.response.destroy();
  });
});

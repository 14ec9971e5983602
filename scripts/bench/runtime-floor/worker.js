/**
 * The least any tunnel built on Workers must do to carry one small request or one WebSocket
 * message, with none of Burrow's code. A connector behind NAT can only be reached over a socket
 * it opened, and on Workers only a Durable Object can keep one between requests (a Worker may not
 * do I/O on another request's objects), so every request crosses: Worker → Durable Object →
 * WebSocket → connector (peer.mjs) → origin, and back. No framing beyond a stream id, no flow
 * control, admission, logging or hibernation (`accept()` measured a little faster than the
 * Hibernation API here). runtime-floor.ts measures it in the same run as the tunnel and direct.
 *
 * DO → peer, text: `<id> get <path>`, `<id> ws <path>`, `<id> text <data>`, `<id> close`.
 * Peer → DO, text: `<id> answer <body>` (one small answer, whole), `<id> text <data>`,
 * `<id> close`. Binary WebSocket data, either way: `[id u32][bytes]`.
 */
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";

/** Body messages carry 1 MiB: the size workerd takes in cheapest per MiB (runtime-costs.ts). */
const PIECE_BYTES = 1024 * 1024;
/** Set in a binary message's id by the peer: the answer ends with this piece. */
const LAST_PIECE = 0x80000000;

export class FloorRelay extends DurableObject {
  /** The peer's socket, once it has dialled `/peer`. */
  #peer = null;
  #nextId = 1;
  /** Open streams by id: what the peer's messages for that id go to. */
  #streams = new Map();

  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/peer")
      return this.#accept(
        (data) => this.#fromPeer(data),
        (peer) => {
          this.#peer = peer;
        },
      );
    if (!this.#peer) return new Response("no peer", { status: 502 });
    const id = this.#nextId++;
    if (request.headers.get("upgrade") === "websocket") return this.#relayWebSocket(id, url);
    if (url.pathname === "/bytes") return this.#download(id, Number(url.searchParams.get("n")));
    if (url.pathname === "/upload" && request.method === "POST") return this.#upload(id, request);
    if (request.method !== "GET") return new Response("not carried by the floor", { status: 405 });
    return new Promise((resolve) => {
      this.#streams.set(id, {
        answer: (body) => {
          this.#streams.delete(id);
          resolve(new Response(body));
        },
      });
      this.#peer.send(`${id} get ${url.pathname}${url.search}`);
    });
  }

  /** A WebSocket pair whose server end delivers each message to `onMessage`. */
  #accept(onMessage, onOpen) {
    const [client, server] = Object.values(new WebSocketPair());
    // This compatibility date delivers binary messages as Blobs by default, as browsers do.
    server.binaryType = "arraybuffer";
    server.accept();
    server.addEventListener("message", (event) => onMessage(event.data));
    onOpen(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  #fromPeer(data) {
    if (typeof data === "string") {
      const [id, verb] = data.split(" ", 2);
      this.#streams.get(Number(id))?.[verb]?.(data.slice(id.length + verb.length + 2));
      return;
    }
    const tagged = new DataView(data).getUint32(0);
    const last = tagged >= LAST_PIECE;
    this.#streams.get(last ? tagged - LAST_PIECE : tagged)?.bytes(new Uint8Array(data, 4), last);
  }

  /**
   * Body bytes the peer sends in 1 MiB messages (from one buffer: no origin), written to the
   * answer; each message is acknowledged once written, and the peer keeps at most a few unacked.
   * With peer.mjs's `drain`, the floor's CPU per downloaded GiB (bodies.ts says how).
   */
  #download(id, bytes) {
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    this.#streams.set(id, {
      bytes: (chunk, last) => {
        writer.write(chunk).then(() => this.#peer.send(`${id} ack`));
        if (!last) return;
        this.#streams.delete(id);
        writer.close();
      },
    });
    this.#peer.send(`${id} spew ${bytes}`);
    return new Response(readable, { headers: { "content-length": String(bytes) } });
  }

  /** A request body read in 1 MiB pieces and sent to the peer, which drops it; answers its size. */
  async #upload(id, request) {
    const reader = request.body.getReader({ mode: "byob" });
    let received = 0;
    let buffer = new ArrayBuffer(4 + PIECE_BYTES);
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer, 4, PIECE_BYTES));
      if (done) break;
      received += value.byteLength;
      new DataView(value.buffer).setUint32(0, id);
      this.#peer.send(new Uint8Array(value.buffer, 0, 4 + value.byteLength));
      buffer = value.buffer;
    }
    return new Response(String(received));
  }

  /** A WebSocket: each message crosses to the peer, which relays it to the origin's socket. */
  #relayWebSocket(id, url) {
    const toPeer = (data) => {
      if (typeof data === "string") return this.#peer.send(`${id} text ${data}`);
      const message = new Uint8Array(4 + data.byteLength);
      new DataView(message.buffer).setUint32(0, id);
      message.set(new Uint8Array(data), 4);
      this.#peer.send(message);
    };
    return this.#accept(toPeer, (visitor) => {
      this.#streams.set(id, {
        text: (data) => visitor.send(data),
        bytes: (chunk) => visitor.send(chunk),
        close: () => visitor.close(1000),
      });
      visitor.addEventListener("close", () => {
        this.#streams.delete(id);
        this.#peer?.send(`${id} close`);
      });
      this.#peer.send(`${id} ws ${url.pathname}`);
    });
  }
}

/**
 * The same relay reached by a service binding, shaped as burrow-binding's `VpcServiceBinding`:
 * the VPC bench's floor (workers/binding/local/floor-worker.ts).
 */
export class Floor extends WorkerEntrypoint {
  fetch(request) {
    return this.env.FLOOR_RELAY.getByName("floor").fetch(request);
  }
}

export default {
  fetch(request, env) {
    return env.FLOOR_RELAY.getByName("floor").fetch(request);
  },
};

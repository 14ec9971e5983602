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
import { DurableObject } from "cloudflare:workers";

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
    if (request.method !== "GET") return new Response("the floor carries GETs", { status: 405 });
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
    this.#streams.get(new DataView(data).getUint32(0))?.bytes(new Uint8Array(data, 4));
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

export default {
  fetch(request, env) {
    return env.FLOOR_RELAY.getByName("floor").fetch(request);
  },
};

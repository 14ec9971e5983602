import {
  type Frame,
  type FrameBody,
  type Header,
  isSendableCloseCode,
  MessageReceiveWindow,
  MessageSendWindow,
  ResetCode,
} from "@burrow/wire";
import WebSocket from "ws";
import type { HttpRoute } from "./origin-router";
import { subprotocolList } from "./request-framing";
import { pairs } from "./response-relay";

/** Headers `ws` writes itself for the origin handshake; the visitor's copies must not repeat. */
const WEBSOCKET_HANDSHAKE_HEADERS = new Set([
  "connection",
  "upgrade",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
]);

/** What the WebSocket half of a stream needs from its {@link OriginStream}. */
export interface WebSocketStreamHooks {
  send(body: FrameBody): void;
  finish(failed: boolean): void;
  fail(code: ResetCode, message: string): void;
  readonly done: boolean;
}

/**
 * A visitor's WebSocket upgrade proxied to the origin: the handshake's answer becomes the
 * stream's response head, then messages travel both ways as `webSocketMessage` frames.
 *
 * With message credit (`windowed`, the edge announced `websocket-window`), both directions are
 * bounded: the origin socket is paused while the edge has granted nothing, and the edge's
 * messages are credited back once written to the origin, so neither end buffers without bound.
 */
export class OriginWebSocket {
  readonly #hooks: WebSocketStreamHooks;
  readonly #windowed: boolean;
  readonly #sendWindow = new MessageSendWindow();
  readonly #receiveWindow = new MessageReceiveWindow();
  #socket: WebSocket | null = null;

  constructor(windowed: boolean, hooks: WebSocketStreamHooks) {
    this.#windowed = windowed;
    this.#hooks = hooks;
  }

  /** Dials the origin with the visitor's headers and subprotocols. */
  start(headers: readonly Header[], route: HttpRoute): void {
    const target = new URL(route.target);
    target.protocol = route.secure ? "wss:" : "ws:";
    const forwarded: Record<string, string> = {};
    const protocols: string[] = [];
    for (const [name, value] of headers) {
      const lower = name.toLowerCase();
      if (lower === "sec-websocket-protocol") {
        // `ws` throws on an empty, repeated or non-token subprotocol (RFC 6455 §4.1).
        const list = subprotocolList(value);
        if (!list) {
          this.#hooks.fail(ResetCode.refused, "invalid Sec-WebSocket-Protocol list");
          return;
        }
        protocols.push(...list);
      } else if (!WEBSOCKET_HANDSHAKE_HEADERS.has(lower)) forwarded[lower] = value;
    }
    if (new Set(protocols).size !== protocols.length) {
      this.#hooks.fail(ResetCode.refused, "invalid Sec-WebSocket-Protocol list");
      return;
    }
    if (route.hostHeader) forwarded.host = route.hostHeader;
    // ws dials a unix socket given a `ws+unix:<socket>:<path>` address.
    const address = route.socketPath
      ? `${route.secure ? "wss" : "ws"}+unix:${route.socketPath}:${target.pathname}${target.search}`
      : target;
    const socket = new WebSocket(address, protocols, {
      headers: forwarded,
      perMessageDeflate: false,
      handshakeTimeout: route.connectTimeoutMs,
      ...route.tls,
    });
    this.#socket = socket;
    const hooks = this.#hooks;
    socket.on("upgrade", (response) => {
      hooks.send({
        kind: "responseHead",
        status: 101,
        statusText: "Switching Protocols",
        headers: pairs(response.rawHeaders),
        body: new Uint8Array(0),
        endStream: false,
      });
    });
    socket.on("unexpected-response", (_request, response) => {
      // The origin answered without upgrading: pass its status through, without a body.
      hooks.send({
        kind: "responseHead",
        status: response.statusCode ?? 502,
        statusText: response.statusMessage ?? "",
        headers: pairs(response.rawHeaders),
        body: new Uint8Array(0),
        endStream: true,
      });
      response.resume();
      hooks.finish(false);
    });
    socket.on("message", (data, isBinary) => {
      const bytes = data instanceof Buffer ? data : Buffer.concat(data as Buffer[]);
      hooks.send({ kind: "webSocketMessage", text: !isBinary, bytes: new Uint8Array(bytes) });
      if (!this.#windowed) return;
      this.#sendWindow.spend(bytes.byteLength);
      // Paused, ws stops reading the origin's socket, so TCP holds the origin back.
      if (!this.#sendWindow.open) socket.pause();
    });
    socket.on("close", (code, reason) => {
      if (hooks.done) return;
      hooks.send({ kind: "webSocketClose", code, reason: reason.toString() });
      hooks.finish(false);
    });
    socket.on("error", (error) => {
      if (socket.readyState === WebSocket.CONNECTING) {
        hooks.fail(ResetCode.originUnreachable, `origin: ${error.message}`);
      }
    });
  }

  /** Handles a message-level frame from the edge; false means a protocol violation. */
  receive(frame: Frame): boolean {
    const socket = this.#socket;
    // No socket: the handshake was refused before dialling and the stream is already reset.
    if (!socket) return frame.kind === "windowUpdate";
    switch (frame.kind) {
      case "windowUpdate":
        if (this.#sendWindow.grant(frame.bytes)) socket.resume();
        return true;
      case "webSocketMessage": {
        if (!this.#windowed) {
          socket.send(frame.bytes, { binary: !frame.text });
          return true;
        }
        const size = frame.bytes.byteLength;
        if (!this.#receiveWindow.received(size)) return false;
        // The callback runs once ws has handed the message to the kernel; an origin that stops
        // reading stops it, and with it the edge's credit.
        socket.send(frame.bytes, { binary: !frame.text }, () => {
          const grant = this.#receiveWindow.drained(size);
          if (grant > 0 && !this.#hooks.done)
            this.#hooks.send({ kind: "windowUpdate", bytes: grant });
        });
        return true;
      }
      case "webSocketClose":
        closeQuietly(socket, frame.code, frame.reason);
        this.#hooks.finish(false);
        return true;
      default:
        return false;
    }
  }

  terminate(): void {
    this.#socket?.terminate();
  }
}

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(isSendableCloseCode(code) ? code : 1000, reason);
  } catch {
    socket.terminate();
  }
}

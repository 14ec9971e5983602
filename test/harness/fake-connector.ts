import {
  CONNECT_PATH,
  connectRequestHeaders,
  decodeFrame,
  encodeFrame,
  type Frame,
} from "@burrow/wire";
import WebSocket from "ws";
import type { MintedTunnel } from "./edge";

/** How the edge answered a `/connect` upgrade it refused. */
export interface Refusal {
  status: number;
  body: string;
}

/** A hand-driven connector connection: the `ws` library speaking @burrow/wire frames directly. */
export interface FakeConnector {
  socket: WebSocket;
  /** Resolves with the close code and reason the edge sent. */
  closed: Promise<{ code: number; reason: string }>;
  send(frame: Frame): void;
}

/** Headers a real connector sends on `/connect`. */
export function connectHeaders(tunnelId: string, secret: string): Record<string, string> {
  return connectRequestHeaders(
    { tunnelId, connectorId: crypto.randomUUID(), connIndex: 0, version: "e2e", arch: "test" },
    secret,
  );
}

/** Tries to attach with these headers; resolves with the refusal, or rejects if the edge accepted. */
export function attemptConnect(edge: URL, headers: Record<string, string>): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(new URL(CONNECT_PATH, edge).href.replace(/^http/, "ws"), {
      headers,
    });
    socket.once("open", () => {
      socket.terminate();
      reject(new Error("the edge accepted the connection"));
    });
    socket.once("unexpected-response", (_request, response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
        socket.terminate();
      });
    });
    socket.once("error", (error) => reject(error));
  });
}

/**
 * Attaches to `tunnel` with valid credentials, registers with `hello` (unless `hello: false`, a
 * connection that authenticated and then said nothing), and answers every request it is given
 * with `200 fake:<path>` (so tests can tell which connection served it). `connectorId` and
 * `connIndex` make several connections of one connector, as a real one opens four.
 */
export async function attachFakeConnector(
  edge: URL,
  tunnel: Pick<MintedTunnel, "id" | "secret">,
  options: {
    hello?: boolean;
    connectorId?: string;
    connIndex?: number;
    /** Features announced in `hello` (none by default, as an old connector). */
    features?: string[];
    /** Answers requests itself instead of the `200 fake:<path>` default. */
    onRequestHead?: (
      head: Extract<Frame, { kind: "requestHead" }>,
      send: (frame: Frame) => void,
    ) => void;
    /** Sees every other frame the edge sends on a stream (`windowUpdate`, `reset`, …). */
    onStreamFrame?: (frame: Frame) => void;
  } = {},
): Promise<FakeConnector> {
  const identity = {
    tunnelId: tunnel.id,
    connectorId: options.connectorId ?? crypto.randomUUID(),
    connIndex: options.connIndex ?? 0,
    version: "e2e",
    arch: "test",
  };
  const socket = new WebSocket(new URL(CONNECT_PATH, edge).href.replace(/^http/, "ws"), {
    headers: connectRequestHeaders(identity, tunnel.secret),
    perMessageDeflate: false,
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const send = (frame: Frame) => socket.send(encodeFrame(frame));
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("open", () => {
      if (options.hello === false) {
        resolve();
        return;
      }
      send({
        kind: "hello",
        streamId: 0,
        connectorId: identity.connectorId,
        version: identity.version,
        arch: identity.arch,
        connIndex: identity.connIndex,
        features: options.features ?? [],
        configVersion: 0,
      });
    });
    socket.on("message", (data: Buffer) => {
      // ws hands over pooled Buffers; the codec reads plain Uint8Array views.
      const decoded = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (!decoded.ok) return;
      const frame = decoded.frame;
      if (frame.kind === "registered") resolve();
      if (frame.kind === "ping") send({ kind: "pong", streamId: 0, nonce: frame.nonce });
      if (frame.kind !== "requestHead" && frame.streamId !== 0) options.onStreamFrame?.(frame);
      if (frame.kind === "requestHead" && options.onRequestHead) {
        options.onRequestHead(frame, send);
      } else if (frame.kind === "requestHead") {
        const path = new URL(frame.url).pathname;
        const body = new TextEncoder().encode(`fake:${path}`);
        send({
          kind: "responseHead",
          streamId: frame.streamId,
          status: 200,
          statusText: "OK",
          headers: [["content-type", "text/plain"]],
          body: new Uint8Array(0),
          endStream: false,
        });
        send({ kind: "data", streamId: frame.streamId, bytes: body });
        send({ kind: "end", streamId: frame.streamId });
      }
    });
  });
  return { socket, closed, send };
}

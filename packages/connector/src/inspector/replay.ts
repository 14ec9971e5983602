import https from "node:https";
import { type Header, INITIAL_WINDOW_BYTES, MAX_DATA_CHUNK_BYTES } from "@burrow/wire";
import { OriginHttpAgent } from "../origin-http1/origin-http-agent";
import type { OriginRouter } from "../origin-router";
import { OriginStream, type RequestHead } from "../origin-stream";
import type { Exchange, InspectorStore } from "./store";

/** What "Replay with changes" may change; anything left out is the recorded request's. */
export interface ReplayChanges {
  method?: string;
  /** Path and query, e.g. `/hooks/stripe?x=1`. */
  path?: string;
  headers?: Header[];
  /** The whole body to send (UTF-8). */
  body?: string;
}

/** Why a replay could not start. */
export type ReplayRefusal = { ok: false; reason: string };

/**
 * A replay's body goes to the stream in one window: the stream's receive window is 1 MiB
 * (INITIAL_WINDOW_BYTES), and a replayed body is never larger than that.
 */
const MAX_REPLAY_BODY_BYTES = INITIAL_WINDOW_BYTES;
/** Replays are local and never over a VPC target, so these agents only exist to fill the slot. */
const UNUSED_AGENTS = { http: new OriginHttpAgent(), https: new https.Agent() };
/** Replays have stream ids of their own, far from the edge's, so a log line cannot confuse them. */
let replayStreamId = 0x7000_0000;

/**
 * Sends a recorded request again, straight to the origin the router in force picks for it (as a
 * new request from the edge would go), through the same OriginStream code, and records the replay
 * in `store` marked with the original's id. Resolves with the replay's id once it has started.
 */
export function replay(
  original: Exchange,
  changes: ReplayChanges,
  router: OriginRouter,
  store: InspectorStore,
): { ok: true; id: string } | ReplayRefusal {
  if (original.head.target) return { ok: false, reason: "VPC requests are not replayed" };
  if (original.head.websocket) return { ok: false, reason: "WebSocket upgrades are not replayed" };
  const changedBody = changes.body !== undefined;
  if (!changedBody && original.requestBody.truncated) {
    return {
      ok: false,
      reason: `the request body was captured only up to ${store.maxBodyBytes} bytes; replay it with a body`,
    };
  }
  const body = changedBody ? Buffer.from(changes.body!, "utf8") : original.requestBody.bytes();
  if (body.byteLength > MAX_REPLAY_BODY_BYTES) {
    return { ok: false, reason: `a replayed body is at most ${MAX_REPLAY_BODY_BYTES} bytes` };
  }
  let url: URL;
  try {
    url = new URL(changes.path ?? "", original.head.url);
    if (changes.path !== undefined && !changes.path.startsWith("/")) throw new Error("relative");
  } catch {
    return { ok: false, reason: "the path must start with /" };
  }
  const method = (changes.method ?? original.head.method).toUpperCase();
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Z]+$/.test(method)) return { ok: false, reason: "bad method" };
  // The body's length is known: the head says so, whatever framing the original used.
  const headers: Header[] = (changes.headers ?? original.head.headers).filter(([name]) => {
    const lower = name.toLowerCase();
    return lower !== "content-length" && lower !== "transfer-encoding";
  });
  const hasBody = body.byteLength > 0;
  if (hasBody) headers.push(["content-length", String(body.byteLength)]);
  const head: RequestHead = {
    kind: "requestHead",
    method,
    url: url.href,
    headers,
    websocket: false,
    hasBody,
    target: null,
  };
  const streamId = replayStreamId++;
  const observer = store.observe(head, null, original.id);
  let stream: OriginStream | null = null;
  stream = new OriginStream(streamId, head, {
    router,
    agent: UNUSED_AGENTS,
    vpc: null,
    observer,
    send: (frame) => {
      // Nobody waits on the far side: credit each body chunk back at once, so the origin's
      // answer flows as fast as the origin sends it.
      if (frame.kind === "data") {
        const bytes = frame.bytes.byteLength;
        queueMicrotask(() => stream?.receive({ kind: "windowUpdate", streamId, bytes }));
      }
    },
    onDone: () => {},
  });
  stream.start();
  if (hasBody) {
    for (let offset = 0; offset < body.byteLength; offset += MAX_DATA_CHUNK_BYTES) {
      const bytes = body.subarray(offset, offset + MAX_DATA_CHUNK_BYTES);
      stream.receive({ kind: "data", streamId, bytes });
    }
    stream.receive({ kind: "end", streamId });
  }
  return { ok: true, id: observer.id };
}

import { FEATURES, type Header, ResetCode, type Target } from "@burrow/wire";
import { contentLengthOf, headersForVisitor } from "../forwarded-headers";
import { connectionOf } from "./connector-sockets";
import { type ByteTrace, HttpStream, type ResponseHead } from "./http-stream";
import { pumpRequestBody, type RequestBody } from "./request-body";
import { StreamFailure, UnsupportedStatus } from "./stream-failure";
import type { StreamTable } from "./stream-table";

/** One try: the connection that carries the request and the target the connector dials. */
export interface Attempt {
  socket: WebSocket;
  /** null: the origin the connector serves (public traffic); else a VPC service's address. */
  target: Target | null;
}

/**
 * One HTTP request as the proxy sends it. The public and the VPC proxy differ only in what they
 * put here: the header policy's headers, the target of each attempt, and which failure before the
 * response head is worth another attempt.
 */
export interface HttpCall {
  headers: Header[];
  body: RequestBody;
  websocket: boolean;
  maxBodyBytes: number;
  /**
   * The tries, in order, produced as they are needed (a generator may throw to end the call).
   * The body is sent again on a retry, so a body that is not replayable gets one try only.
   */
  attempts: Iterator<Attempt>;
  /** The reset code before the head that moves on to the next attempt; null: no retry. */
  retryOn: ResetCode | null;
  /** Given back once the request no longer needs its admission slot. */
  release?: () => void;
  /** Told of the exchange's bytes and end (public traffic only). */
  trace?: ExchangeTrace;
}

/** Follows one exchange for the request log (request-log.ts): its bytes, head and end. */
export interface ExchangeTrace extends ByteTrace {
  /** The origin's head was accepted, carried by connection `connIndex`. */
  answered(status: number, headers: Headers, connIndex: number | null): void;
  /** The exchange ended (body streamed, cut short, or WebSocket closed). */
  finished(): void;
}

/** The streamed Response, or the failure of the last attempt (null: no attempt could start). */
export type HttpResult =
  | { ok: true; response: Response }
  | { ok: false; failure: StreamFailure | null };

/**
 * Sends `request` through the tunnel and answers the origin's response as it streams in: the head
 * as a Response, the body through the stream's window, a 101 as a relayed visitor WebSocket.
 */
export async function streamHttp(
  request: Request,
  call: HttpCall,
  streams: StreamTable,
  ctx: DurableObjectState,
): Promise<HttpResult> {
  const release = call.release ?? (() => {});
  let lastFailure: StreamFailure | null = null;
  for (let next = call.attempts.next(); !next.done; next = call.attempts.next()) {
    const { socket, target } = next.value;
    const id = streams.allocateId();
    // A stream that fails before its head leaves the slot to this loop, which may retry.
    const stream: HttpStream = streams.add(
      new HttpStream(
        id,
        socket,
        () => {
          streams.remove(id);
          if (stream.answered) {
            release();
            call.trace?.finished();
          }
        },
        streams.windowBudget,
      ),
    );
    stream.trace = call.trace ?? null;
    stream.send({
      kind: "requestHead",
      method: request.method,
      url: request.url,
      headers: call.headers,
      websocket: call.websocket,
      hasBody: call.body.present,
      target,
    });
    if (call.body.present) {
      // Not awaited: the upload and the response run concurrently, like any HTTP proxy.
      ctx.waitUntil(pumpRequestBody(stream, call.body.stream(), call.maxBodyBytes));
    }
    let head: ResponseHead;
    try {
      head = await stream.head;
    } catch (error) {
      if (!(error instanceof StreamFailure)) throw error;
      lastFailure = error;
      if (error.code === call.retryOn && call.body.replayable) continue;
      break;
    }
    if (call.websocket) {
      call.trace?.answered(head.status, new Headers(), connectionOf(socket)?.connIndex ?? null);
      return { ok: true, response: webSocketResponse(stream, head) };
    }
    const bodyless =
      request.method === "HEAD" || head.status === 204 || head.status === 304 || head.status < 200;
    const supported = head.status >= 200 && head.status <= 599;
    const responseHeaders = headersForVisitor(head.headers);
    // Before finishWithoutBody, which ends the exchange at once.
    if (supported)
      call.trace?.answered(head.status, responseHeaders, connectionOf(socket)?.connIndex ?? null);
    if (bodyless) stream.finishWithoutBody();
    if (!supported) {
      stream.reset(ResetCode.protocol, "unsupported response status");
      return { ok: false, failure: new UnsupportedStatus(head.status) };
    }
    const body = bodyless ? null : stream.responseBody(contentLengthOf(responseHeaders));
    const response = new Response(body, {
      status: head.status,
      statusText: head.statusText,
      headers: responseHeaders,
      // The origin's body is already encoded as its Content-Encoding says; "automatic" would
      // compress it a second time.
      encodeBody: "manual",
    });
    return { ok: true, response };
  }
  release();
  return { ok: false, failure: lastFailure };
}

/** A visitor's WebSocket, relayed over `stream` once the origin accepted the upgrade. */
function webSocketResponse(stream: HttpStream, head: ResponseHead): Response {
  const responseHeaders = headersForVisitor(head.headers);
  if (head.status !== 101) {
    stream.reset(ResetCode.cancelled, "origin refused the WebSocket upgrade");
    return new Response(null, { status: head.status, headers: responseHeaders });
  }
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  const windowed = connectionOf(stream.socket)?.features.includes(FEATURES.webSocketWindow);
  stream.attachVisitorSocket(server, windowed === true);
  const protocol = responseHeaders.get("sec-websocket-protocol");
  return new Response(null, {
    status: 101,
    webSocket: client,
    headers: protocol ? { "sec-websocket-protocol": protocol } : {},
  });
}

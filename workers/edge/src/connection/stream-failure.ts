import { type Frame, ResetCode } from "@burrow/wire";

/** Why a stream ended badly; failures before the head become an error, later ones abort the body. */
export class StreamFailure extends Error {
  readonly code: ResetCode;
  constructor(code: ResetCode, message: string) {
    super(message);
    this.name = "StreamFailure";
    this.code = code;
  }
}

/** The stream's connection stopped answering heartbeats and was closed by the watchdog. */
export class ConnectorUnresponsive extends StreamFailure {
  constructor() {
    super(ResetCode.goingAway, "the connector stopped answering");
    this.name = "ConnectorUnresponsive";
  }
}

/** The origin answered with a status no Response can carry (below 200 or above 599). */
export class UnsupportedStatus extends StreamFailure {
  constructor(status: number) {
    super(ResetCode.protocol, `the origin answered with unsupported status ${status}`);
    this.name = "UnsupportedStatus";
  }
}

/** Deadlines the watchdog enforces on a stream (from the Worker's variables). */
export interface StreamDeadlines {
  /** From the request head to the response head (Cloudflare's proxy read timeout is 100 s). */
  responseHeadMs: number;
  /** A request stream with no frame either way for this long is reset. */
  streamIdleMs: number;
  /** A WebSocket with no message either way for this long is closed. */
  webSocketIdleMs: number;
}

/** A stream the Tunnel DO tracks by id (stream-table.ts): an HTTP exchange or a DNS question. */
export interface TunnelStream {
  readonly id: number;
  readonly socket: WebSocket;
  /** Handles a frame the connector sent on this stream; false means a protocol violation. */
  receive(frame: Frame): boolean;
  fail(failure: StreamFailure): void;
  /** Applies the watchdog's deadlines; streams with their own timer omit it. */
  expire?(now: number, deadlines: StreamDeadlines): void;
}

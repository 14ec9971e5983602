/**
 * The frames exchanged between a Tunnel Durable Object and a connector, as plain TypeScript values.
 * The Cap'n Proto schema in `schema/frame.capnp` is the source of truth for the bytes; this file is
 * the shape the rest of Burrow codes against.
 */

/** One HTTP header; repeated names (Set-Cookie) are separate entries, in order. */
export type Header = readonly [name: string, value: string];

/**
 * How the connector checks a VPC origin's TLS certificate; Workers VPC's
 * `tls_settings.cert_verification_mode` `verify_full`, `verify_ca` and `disabled`, in that order.
 */
export type CertVerification = "full" | "ca" | "none";

/**
 * Where the connector must send a request instead of matching its ingress rules. Set by the
 * binding Worker for VPC services: the address is already resolved and the port already chosen.
 */
export interface Target {
  address: string;
  port: number;
  tls: boolean;
  /** Server name for TLS SNI and certificate checks; empty means "use the URL's host". */
  serverName: string;
  /**
   * `full`: the chain must lead to a trusted CA and the certificate must match `serverName`;
   * `ca`: a trusted chain, any name; `none`: no checks. Only used when `tls` is set.
   */
  certVerification: CertVerification;
}

/** Why a stream was reset; the numbers are stable on the wire. */
export const ResetCode = {
  internal: 0,
  cancelled: 1,
  originUnreachable: 2,
  originTimeout: 3,
  refused: 4,
  protocol: 5,
  tooLarge: 6,
  goingAway: 7,
} as const;
export type ResetCode = (typeof ResetCode)[keyof typeof ResetCode];

/** The DNS record types the Tunnel DO asks the connector about. */
export type DnsRecordType = "A" | "AAAA";

/** Outcome of a DNS question in the connector's network. */
export type DnsStatus = "ok" | "nxdomain" | "nodata" | "servfail" | "timeout" | "refused";

/** A stream-level frame body; `streamId` is carried beside it in {@link Frame}. */
export type FrameBody =
  | {
      kind: "requestHead";
      method: string;
      url: string;
      headers: Header[];
      /** True when the request is a WebSocket upgrade; the stream then carries messages. */
      websocket: boolean;
      /** False for requests without a body (GET, HEAD …), so the connector sends no body at all. */
      hasBody: boolean;
      target: Target | null;
    }
  | {
      kind: "responseHead";
      status: number;
      statusText: string;
      headers: Header[];
      /** A whole small body carried with the head; empty when data frames follow (or none). */
      body: Uint8Array;
      /** True when the response is complete with this frame: no data or end frames follow. */
      endStream: boolean;
    }
  | { kind: "data"; bytes: Uint8Array }
  | { kind: "end" }
  | { kind: "reset"; code: ResetCode; message: string }
  /** Grants the peer `bytes` more bytes of `data` on this stream (per-stream flow control). */
  | { kind: "windowUpdate"; bytes: number }
  /** One WebSocket message inside an upgraded stream. */
  | { kind: "webSocketMessage"; text: boolean; bytes: Uint8Array }
  | { kind: "webSocketClose"; code: number; reason: string }
  | {
      kind: "dnsQuestion";
      hostname: string;
      recordType: DnsRecordType;
      /** Resolvers to ask instead of the connector's system resolver; empty means the system one. */
      resolverIps: string[];
    }
  | {
      kind: "dnsAnswer";
      status: DnsStatus;
      addresses: string[];
      ttlSeconds: number;
    }
  | {
      kind: "hello";
      connectorId: string;
      version: string;
      arch: string;
      connIndex: number;
      /** Feature names the connector supports, e.g. "vpc". */
      features: string[];
      /** The remote configuration version the connector routes by; 0 when locally managed. */
      configVersion: number;
    }
  | { kind: "registered"; connectionId: string; location: string; hostname: string }
  | { kind: "ping"; nonce: bigint }
  | { kind: "pong"; nonce: bigint }
  | { kind: "goAway"; reason: string }
  /** Connector → edge: it now routes by remote configuration `version` (stream 0). */
  | { kind: "configApplied"; version: number };

/** One WebSocket message between a Tunnel DO and a connector. Stream 0 is the connection itself. */
export type Frame = FrameBody & { streamId: number };

/** The names of every frame kind, for exhaustive tests and metrics labels. */
export type FrameKind = Frame["kind"];

/** Why {@link decodeFrame} refused its input. */
export type DecodeFailure = "too_large" | "truncated" | "malformed" | "unknown_kind";

/** Result of decoding network input: malformed frames are expected, so they are a value, not a throw. */
export type DecodeResult =
  | { ok: true; frame: Frame }
  | { ok: false; reason: DecodeFailure; message: string };

/**
 * Durable Objects accept WebSocket messages up to 32 MiB; a frame must fit in one message with
 * room for its Cap'n Proto framing, so nothing larger is ever encoded or decoded.
 */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024 - 64 * 1024;

# The bytes exchanged between a Tunnel Durable Object and a connector: one `Frame` per binary
# WebSocket message. This file is the source of truth; `src/gen/` is generated from it by
# `pnpm --filter @burrow/wire codegen`, and `src/frame.ts` is the TypeScript shape code works with.
#
# Plain Cap'n Proto serialization, not capnp-RPC: RPC tables live in memory and would not survive
# Durable Object hibernation, whereas a self-contained frame per message can be decoded by whichever
# isolate wakes up.
#
# Evolution rules: only add fields and union members with new ordinals; never renumber or change a
# type. An old peer reading a new union member sees an unknown discriminant and reports
# "unknown_kind" instead of misreading it.
#
# Cap'n Proto attaches a doc comment to the declaration it follows, so comments below sit under
# the field they explain (and end up in the generated JSDoc).

@0xbfb5db2462d59c9c;

struct Frame {
  # One WebSocket message. Stream 0 is the connection itself (hello, ping, go-away); streams 1..
  # are requests, so every frame names its stream before its body.

  streamId @0 :UInt32;

  union {
    requestHead @1 :RequestHead;
    responseHead @2 :ResponseHead;

    data @3 :Data;
    # A chunk of request or response body. A direct Data member rather than a struct, so the hot
    # path costs one pointer and no extra indirection.

    end @4 :Void;
    # The sender has no more body for this stream.

    reset @5 :Reset;

    windowUpdate @6 :UInt32;
    # Bytes of `data` the receiver may send beyond what it was already granted. Zero is rejected
    # by the decoder: it grants nothing and would only let a peer spin the other side.

    webSocketMessage @7 :WebSocketMessage;
    webSocketClose @8 :WebSocketClose;
    dnsQuestion @9 :DnsQuestion;
    dnsAnswer @10 :DnsAnswer;
    hello @11 :Hello;
    registered @12 :Registered;

    ping @13 :UInt64;
    # Liveness probe; the nonce lets a late pong be told apart from the answer to a newer ping.

    pong @14 :UInt64;

    goAway @15 :Text;
    # Graceful shutdown: the sender takes no new streams and lets open ones finish.

    configApplied @16 :UInt32;
    # Connector to edge on stream 0: it now routes by this remote configuration version (sent
    # on every connection when a new version is applied; `hello` carries the one at connect).
  }
}

struct Header {
  # A list of pairs rather than a map: repeated names (Set-Cookie) must keep their order. Values
  # are Text (UTF-8) because fetch() on both ends already exposes them as strings.

  name @0 :Text;
  value @1 :Text;
}

struct RequestHead {
  method @0 :Text;
  url @1 :Text;
  headers @2 :List(Header);
  websocket @3 :Bool;

  hasBody @4 :Bool;
  # Lets the connector send no body at all for GET/HEAD: to some origins an empty body and no
  # body are different requests.

  target @5 :Target;
  # A null pointer means "match the connector's ingress rules"; set only for VPC services, whose
  # binding Worker has already resolved the address.
}

struct Target {
  address @0 :Text;
  port @1 :UInt16;
  tls @2 :Bool;
  serverName @3 :Text;

  verifyCertificate @4 :Bool;
  # False means no certificate checks at all. Predates `certVerification` and is still written
  # as `certVerification != none`, so a connector that only knows this flag checks at least as
  # much as asked (it treats `ca` like `full`).

  certVerification @5 :CertVerification;
  # How much of the origin's certificate is checked. An old writer leaves it at `full`, and its
  # `verifyCertificate = false` still means `none`; the decoder refuses contradictory pairs.
}

enum CertVerification {
  # Workers VPC's `tls_settings.cert_verification_mode`, in the same order of strictness.

  full @0;
  # verify_full: the chain must lead to a trusted CA and the certificate must match serverName.

  ca @1;
  # verify_ca: the chain must lead to a trusted CA; the name is not checked.

  none @2;
  # disabled: no checks.
}

struct ResponseHead {
  status @0 :UInt16;
  # A number rather than an enum: origins send codes no list anticipates. The decoder checks
  # 100-999, the range fetch() accepts.

  statusText @1 :Text;
  headers @2 :List(Header);

  body @3 :Data;
  # A whole small body sent with its head. Most answers are a few KiB with a Content-Length; head,
  # data and end as three messages cost the Durable Object three wake-ups for one response.

  endStream @4 :Bool;
  # Nothing follows on this stream: the response is complete with this frame (no data, no end).
}

struct Reset {
  code @0 :ResetCode;
  message @1 :Text;
  # Detail for logs; never shown to end users.
}

enum ResetCode {
  # Ordinals match `ResetCode` in src/frame.ts and are stable on the wire.

  internal @0;
  cancelled @1;
  originUnreachable @2;
  originTimeout @3;
  refused @4;
  protocol @5;
  tooLarge @6;
  goingAway @7;
}

struct WebSocketMessage {
  text @0 :Bool;
  bytes @1 :Data;
  # Text messages travel as their UTF-8 bytes too, so they are not decoded and re-encoded in
  # transit.
}

struct WebSocketClose {
  code @0 :UInt16;
  reason @1 :Text;
}

struct DnsQuestion {
  hostname @0 :Text;
  recordType @1 :DnsRecordType;
  resolverIps @2 :List(Text);
  # Empty means the connector's system resolver.
}

enum DnsRecordType {
  a @0;
  aaaa @1;
}

struct DnsAnswer {
  status @0 :DnsStatus;
  addresses @1 :List(Text);
  ttlSeconds @2 :UInt32;
}

enum DnsStatus {
  ok @0;
  nxdomain @1;
  nodata @2;
  servfail @3;
  timeout @4;
  refused @5;
}

struct Hello {
  connectorId @0 :Text;
  version @1 :Text;
  arch @2 :Text;

  connIndex @3 :UInt16;
  # Which of the connector's parallel connections this is; UInt16 leaves room beyond today's few.

  features @4 :List(Text);
  # Names rather than a bit set, so a connector can announce features this schema predates.

  configVersion @5 :UInt32;
  # The remote configuration version the connector routes by; 0 for a locally managed one
  # (or one that predates this field), as Cloudflare reports `config_version` 0 then.
}

struct Registered {
  connectionId @0 :Text;
  location @1 :Text;
  # Where the Durable Object runs (colo code), for the connector's logs.

  hostname @2 :Text;
}

/**
 * `encodeFrame` / `decodeFrame`: the only way Burrow turns frames into bytes and back. Everything
 * capnp-specific stays in this file and in the generated code under `gen/`.
 */
import * as $ from "capnp-es";
import type {
  CertVerification,
  DecodeFailure,
  DecodeResult,
  DnsRecordType,
  DnsStatus,
  Frame,
  Header,
  ResetCode,
  Target,
} from "./frame";
import { MAX_FRAME_BYTES } from "./frame";
import * as gen from "./gen/frame";
import {
  DATA_FRAME_HEADER_BYTES,
  type DataFrameHeader,
  decodeHotFrame,
  encodeHotDataFrame,
  encodeHotFrame,
  isHotKind,
  readDataFrameHeader as readHotDataFrameHeader,
  writeHotDataFrame,
  writeHotDataFrameHeader,
} from "./hot-frames";
import { checkMessage } from "./message-bounds";

const WORD_BYTES = 8;
/** Stream framing for a one-segment message: segment count minus one, then its length in words. */
const STREAM_HEADER_BYTES = 8;

const MAX_UINT16 = 0xffff;
const MAX_UINT32 = 0xffff_ffff;
const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;

/**
 * Encodes a frame as one unpacked, single-segment Cap'n Proto message with stream framing.
 * Throws a RangeError for values the wire cannot carry (or the decoder would refuse) and for
 * frames larger than {@link MAX_FRAME_BYTES}.
 */
export function encodeFrame(frame: Frame): Uint8Array {
  return encode(frame, true);
}

/**
 * A `data` frame whose payload is `chunks` one after another: the bytes are exactly those of
 * `encodeFrame({ kind: "data", streamId, bytes })` for the joined chunks, but each chunk is copied
 * once, straight into the frame, instead of being joined first. For senders that coalesce reads.
 */
export function encodeDataFrame(streamId: number, chunks: readonly Uint8Array[]): Uint8Array {
  const payloadBytes = checkDataFrame(streamId, chunks);
  return encodeHotDataFrame(streamId, chunks, payloadBytes, dataSegmentBytes(payloadBytes));
}

/** The encoded size of a `data` frame carrying `payloadBytes`, for {@link encodeDataFrameInto}. */
export function dataFrameBytes(payloadBytes: number): number {
  return STREAM_HEADER_BYTES + WORD_BYTES + dataSegmentBytes(payloadBytes);
}

/**
 * {@link encodeDataFrame} into the start of `target` (at least {@link dataFrameBytes} long, and
 * free to hold old bytes: the frame's bytes are the same as in a fresh buffer); returns the
 * frame's length. For senders that reuse their buffers, or want room around the frame.
 */
export function encodeDataFrameInto(
  target: Uint8Array,
  streamId: number,
  chunks: readonly Uint8Array[],
): number {
  const payloadBytes = checkDataFrame(streamId, chunks);
  const totalBytes = dataFrameBytes(payloadBytes);
  if (target.byteLength < totalBytes) {
    throw new RangeError(
      `data frame needs ${totalBytes} bytes; the buffer has ${target.byteLength}`,
    );
  }
  writeHotDataFrame(target.subarray(0, totalBytes), streamId, chunks, payloadBytes);
  return totalBytes;
}

/**
 * Frames a payload already in place: `target` holds `payloadBytes` at DATA_FRAME_PAYLOAD_OFFSET
 * and room for {@link dataFrameBytes} in all; the header and padding around the payload are
 * written (the payload is not touched) and the frame is returned, a view of `target`. Its bytes
 * are those of `encodeFrame({ kind: "data", streamId, bytes })`, without copying the payload.
 */
export function encodeDataFrameAround(
  target: Uint8Array,
  streamId: number,
  payloadBytes: number,
): Uint8Array {
  const totalBytes = checkedDataFrameBytes(streamId, payloadBytes);
  if (target.byteLength < totalBytes) {
    throw new RangeError(
      `data frame needs ${totalBytes} bytes; the buffer has ${target.byteLength}`,
    );
  }
  const frame = target.subarray(0, totalBytes);
  writeHotDataFrame(frame, streamId, [], payloadBytes);
  return frame;
}

/**
 * Where a `data` frame's payload starts in its encoding, whatever its size: a sender may read a
 * payload straight into a buffer at this offset and frame it there ({@link encodeDataFrameAround}).
 */
export const DATA_FRAME_PAYLOAD_OFFSET = DATA_FRAME_HEADER_BYTES;

/**
 * Writes the bytes of a `data` frame that come before its payload (DATA_FRAME_PAYLOAD_OFFSET of
 * them) into `target`; returns the frame's whole length. The payload follows them, then zero
 * padding up to that length (0–7 bytes): a sender that writes these pieces one after another
 * sends exactly `encodeFrame({ kind: "data", streamId, bytes })`, without joining the payload.
 */
export function encodeDataFrameHeader(
  target: Uint8Array,
  streamId: number,
  payloadBytes: number,
): number {
  const totalBytes = checkedDataFrameBytes(streamId, payloadBytes);
  if (target.byteLength < DATA_FRAME_HEADER_BYTES) {
    throw new RangeError(`a data frame's header needs ${DATA_FRAME_HEADER_BYTES} bytes`);
  }
  writeHotDataFrameHeader(target, streamId, payloadBytes, totalBytes);
  return totalBytes;
}

/**
 * The stream and payload length of the `data` frame whose first {@link DATA_FRAME_PAYLOAD_OFFSET}
 * bytes are `prefix` and which is `frameBytes` long in all, when it has exactly the layout this
 * codec writes and is within {@link MAX_FRAME_BYTES}; else undefined (decode it whole). For such a
 * frame `decodeFrame` returns the `payloadBytes` after the prefix as its `bytes`, so a receiver
 * may take the payload as it arrives, in pieces, without joining the frame first.
 */
export function readDataFrameHeader(
  prefix: Uint8Array,
  frameBytes: number,
): DataFrameHeader | undefined {
  if (frameBytes > MAX_FRAME_BYTES) return undefined;
  return readHotDataFrameHeader(prefix, frameBytes);
}

function dataSegmentBytes(payloadBytes: number): number {
  return FRAME_WORDS * WORD_BYTES + padToWord(payloadBytes);
}

/** The payload's length, once the stream id and the frame's size are known to be sendable. */
function checkDataFrame(streamId: number, chunks: readonly Uint8Array[]): number {
  if (!isUint(streamId, MAX_UINT32)) {
    throw new RangeError(`cannot encode data frame: stream id ${streamId} is not a uint32`);
  }
  let payloadBytes = 0;
  for (const chunk of chunks) payloadBytes += chunk.byteLength;
  const totalBytes = dataFrameBytes(payloadBytes);
  if (totalBytes > MAX_FRAME_BYTES) {
    throw new RangeError(
      `data frame would be ${totalBytes} bytes; the limit is ${MAX_FRAME_BYTES}`,
    );
  }
  return payloadBytes;
}

/**
 * {@link encodeFrame} through capnp-es's generated builders only, for tests that hold the
 * hand-written hot-frame writer to the generated code's bytes. Not exported from index.ts.
 */
export function encodeFrameWithCapnp(frame: Frame): Uint8Array {
  return encode(frame, false);
}

function encode(frame: Frame, hot: boolean): Uint8Array {
  const problem = findProblem(frame);
  if (problem !== undefined) {
    throw new RangeError(`cannot encode ${frame.kind} frame: ${problem}`);
  }
  const totalBytes = STREAM_HEADER_BYTES + WORD_BYTES + segmentBytes(frame);
  if (totalBytes > MAX_FRAME_BYTES) {
    throw new RangeError(
      `${frame.kind} frame would be ${totalBytes} bytes; the limit is ${MAX_FRAME_BYTES}`,
    );
  }

  if (hot && isHotKind(frame.kind)) return encodeHotFrame(frame, totalBytes - 2 * WORD_BYTES);

  // The message is built directly in the output buffer so the payload is copied exactly once.
  // capnp-es keeps a segment at offset 0 of its own buffer and would otherwise copy the whole
  // segment again behind a framing header; instead the segment's first word is reserved for that
  // header and the root pointer goes in the word after it. Pointers are relative, so the bytes
  // from offset 8 on are exactly the segment a reader sees.
  const message = new $.Message(new ArrayBuffer(totalBytes), false, true);
  const segment = message.getSegment(0);
  segment.byteLength = 0;
  segment.allocate(STREAM_HEADER_BYTES + WORD_BYTES);
  const root = new gen.Frame(segment, STREAM_HEADER_BYTES);
  $.utils.initStruct(gen.Frame._capnp.size, root);
  writeFrame(frame, root);

  // `segment.buffer` is only replaced if the size estimate was short; the output stays correct.
  const used = segment.byteLength;
  const header = new DataView(segment.buffer, 0, STREAM_HEADER_BYTES);
  header.setUint32(0, 0, true);
  header.setUint32(4, (used - STREAM_HEADER_BYTES) / WORD_BYTES, true);
  return new Uint8Array(segment.buffer, 0, used);
}

/**
 * Pointer objects capnp-es creates per input byte on the heaviest honest frame (thousands of empty
 * headers) is about 1.5; a factor of 16 leaves ample headroom while still bounding work.
 */
const TRAVERSAL_BYTES_PER_INPUT_BYTE = 16;

/** Options for {@link decodeFrame}. */
export interface DecodeOptions {
  /** Inputs longer than this are refused before parsing; defaults to {@link MAX_FRAME_BYTES}. */
  maxFrameBytes?: number;
  /**
   * Lets `data`, `webSocketMessage` and `responseHead` payloads of hot frames be views into
   * `bytes` itself instead of copies: one copy less per body byte, for a caller that owns the
   * input and never writes to it afterwards (the connector with ws's message Buffers, which ws
   * never reuses). A view keeps the whole input alive as long as the payload is held.
   */
  viewPayload?: boolean;
}

/**
 * Decodes one frame from untrusted bytes. Never throws: malformed input is expected from a network
 * peer, so every failure is a typed result. `data` and `webSocketMessage` bytes are views into a
 * private copy of the input, never into `bytes` itself.
 */
export function decodeFrame(
  bytes: Uint8Array | ArrayBuffer,
  options: DecodeOptions = {},
): DecodeResult {
  return decode(bytes, options, true);
}

/**
 * {@link decodeFrame} through capnp-es's generated readers only, for tests that hold the
 * hand-written hot-frame reader to the generated code's results. Not exported from index.ts.
 */
export function decodeFrameWithCapnp(
  bytes: Uint8Array | ArrayBuffer,
  options: DecodeOptions = {},
): DecodeResult {
  return decode(bytes, options, false);
}

function decode(
  bytes: Uint8Array | ArrayBuffer,
  options: DecodeOptions,
  hot: boolean,
): DecodeResult {
  try {
    // A plain view: Node's Buffer is a Uint8Array whose slice() shares its (pooled) memory, so
    // slice().buffer would hand capnp-es the whole pool instead of this frame.
    const input =
      bytes instanceof Uint8Array
        ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
        : new Uint8Array(bytes);
    const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    if (input.byteLength > maxFrameBytes) {
      return failure(
        "too_large",
        `frame is ${input.byteLength} bytes; the limit is ${maxFrameBytes}`,
      );
    }
    if (hot) {
      // Canonical hot frames skip capnp-es; anything else, and any frame whose values the rules
      // below refuse, takes the generic path so refusals keep one source and one message.
      const frame = decodeHotFrame(input, options.viewPayload === true);
      if (frame !== undefined && findProblem(frame) === undefined) return { ok: true, frame };
    }
    const checked = checkMessage(input);
    if (!checked.ok) return checked;

    const message =
      checked.segmentCount === 1
        ? // One copy, handed to capnp-es as its single segment without another copy.
          new $.Message(input.slice(STREAM_HEADER_BYTES).buffer, false, true)
        : new $.Message(input, false);
    // capnp-es charges 8 bytes per pointer object it creates; the default allows 64 MiB whatever
    // the input size. Tie it to the input (bounds were checked above; this is a second fence).
    message._capnp.traversalLimit = TRAVERSAL_BYTES_PER_INPUT_BYTE * input.byteLength + (1 << 16);
    const root = message.getRoot(gen.Frame);
    return readFrame(root);
  } catch (error) {
    // Checked bounds make this unreachable for any input we know of; if capnp-es still throws,
    // the input was bad, and the message names what it tripped on (never internal state).
    return failure("malformed", error instanceof Error ? error.message : String(error));
  }
}

function failure(reason: DecodeFailure, message: string): DecodeResult {
  return { ok: false, reason, message };
}

// ---------------------------------------------------------------------------------------------
// Writing

function writeFrame(frame: Frame, root: gen.Frame): void {
  root.streamId = frame.streamId;
  switch (frame.kind) {
    case "requestHead": {
      const head = root._initRequestHead();
      setText(head, "method", frame.method);
      setText(head, "url", frame.url);
      writeHeaders(frame.headers, head);
      head.websocket = frame.websocket;
      head.hasBody = frame.hasBody;
      if (frame.target !== null) {
        const target = head._initTarget();
        setText(target, "address", frame.target.address);
        target.port = frame.target.port;
        target.tls = frame.target.tls;
        setText(target, "serverName", frame.target.serverName);
        // The flag stays meaningful for connectors that predate certVerification (see schema).
        target.verifyCertificate = frame.target.certVerification !== "none";
        target.certVerification = CERT_VERIFICATION_TO_WIRE[frame.target.certVerification];
      }
      return;
    }
    case "responseHead": {
      const head = root._initResponseHead();
      head.status = frame.status;
      setText(head, "statusText", frame.statusText);
      writeHeaders(frame.headers, head);
      if (frame.body.byteLength > 0) head._initBody(frame.body.byteLength).copyBuffer(frame.body);
      head.endStream = frame.endStream;
      return;
    }
    case "data":
      root._initData(frame.bytes.byteLength).copyBuffer(frame.bytes);
      return;
    case "end":
      root.end = true;
      return;
    case "reset": {
      const reset = root._initReset();
      reset.code = frame.code;
      setText(reset, "message", frame.message);
      return;
    }
    case "windowUpdate":
      root.windowUpdate = frame.bytes;
      return;
    case "webSocketMessage": {
      const message = root._initWebSocketMessage();
      message.text = frame.text;
      message._initBytes(frame.bytes.byteLength).copyBuffer(frame.bytes);
      return;
    }
    case "webSocketClose": {
      const close = root._initWebSocketClose();
      close.code = frame.code;
      setText(close, "reason", frame.reason);
      return;
    }
    case "dnsQuestion": {
      const question = root._initDnsQuestion();
      setText(question, "hostname", frame.hostname);
      question.recordType = RECORD_TYPE_TO_WIRE[frame.recordType];
      writeTextList(frame.resolverIps, (n) => question._initResolverIps(n));
      return;
    }
    case "dnsAnswer": {
      const answer = root._initDnsAnswer();
      answer.status = DNS_STATUS_TO_WIRE[frame.status];
      writeTextList(frame.addresses, (n) => answer._initAddresses(n));
      answer.ttlSeconds = frame.ttlSeconds;
      return;
    }
    case "hello": {
      const hello = root._initHello();
      setText(hello, "connectorId", frame.connectorId);
      setText(hello, "version", frame.version);
      setText(hello, "arch", frame.arch);
      hello.connIndex = frame.connIndex;
      hello.configVersion = frame.configVersion;
      writeTextList(frame.features, (n) => hello._initFeatures(n));
      return;
    }
    case "registered": {
      const registered = root._initRegistered();
      setText(registered, "connectionId", frame.connectionId);
      setText(registered, "location", frame.location);
      setText(registered, "hostname", frame.hostname);
      return;
    }
    case "ping":
      root.ping = frame.nonce;
      return;
    case "pong":
      root.pong = frame.nonce;
      return;
    case "goAway":
      // The union member is the text itself, so an empty reason is still written to select it.
      root.goAway = frame.reason;
      return;
    case "configApplied":
      root.configApplied = frame.version;
      return;
    default:
      assertNever(frame);
  }
}

/** Empty strings stay null pointers: a reader sees "" either way and the frame is 8 bytes smaller. */
function setText<K extends string>(target: { [key in K]: string }, key: K, value: string): void {
  if (value !== "") target[key] = value;
}

function writeHeaders(headers: readonly Header[], head: gen.RequestHead | gen.ResponseHead): void {
  if (headers.length === 0) return;
  const list = head._initHeaders(headers.length);
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    const header = list.get(i);
    setText(header, "name", name);
    setText(header, "value", value);
  }
}

function writeTextList(values: readonly string[], init: (length: number) => $.List<string>): void {
  if (values.length === 0) return;
  const list = init(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value !== "") list.set(i, value);
  }
}

// ---------------------------------------------------------------------------------------------
// Sizing: the exact segment size lets encodeFrame allocate once and refuse oversize frames before
// copying anything. Mirrors what writeFrame allocates; a test checks the two agree for every kind.

const FRAME_WORDS = 3; // 2 data words (streamId, discriminant, 64-bit union slot) + 1 pointer.

function segmentBytes(frame: Frame): number {
  let bytes = FRAME_WORDS * WORD_BYTES;
  switch (frame.kind) {
    case "requestHead":
      bytes += structBytes(gen.RequestHead);
      bytes += textBytes(frame.method) + textBytes(frame.url) + headersBytes(frame.headers);
      if (frame.target !== null) {
        bytes += structBytes(gen.Target);
        bytes += textBytes(frame.target.address) + textBytes(frame.target.serverName);
      }
      return bytes;
    case "responseHead":
      return (
        bytes +
        structBytes(gen.ResponseHead) +
        textBytes(frame.statusText) +
        headersBytes(frame.headers) +
        padToWord(frame.body.byteLength)
      );
    case "data":
      return bytes + padToWord(frame.bytes.byteLength);
    case "end":
    case "windowUpdate":
    case "ping":
    case "pong":
      return bytes;
    case "reset":
      return bytes + structBytes(gen.Reset) + textBytes(frame.message);
    case "webSocketMessage":
      return bytes + structBytes(gen.WebSocketMessage) + padToWord(frame.bytes.byteLength);
    case "webSocketClose":
      return bytes + structBytes(gen.WebSocketClose) + textBytes(frame.reason);
    case "dnsQuestion":
      return (
        bytes +
        structBytes(gen.DnsQuestion) +
        textBytes(frame.hostname) +
        textListBytes(frame.resolverIps)
      );
    case "dnsAnswer":
      return bytes + structBytes(gen.DnsAnswer) + textListBytes(frame.addresses);
    case "hello":
      return (
        bytes +
        structBytes(gen.Hello) +
        textBytes(frame.connectorId) +
        textBytes(frame.version) +
        textBytes(frame.arch) +
        textListBytes(frame.features)
      );
    case "registered":
      return (
        bytes +
        structBytes(gen.Registered) +
        textBytes(frame.connectionId) +
        textBytes(frame.location) +
        textBytes(frame.hostname)
      );
    case "goAway":
      // Written even when empty (it selects the union member): at least the NUL terminator.
      return bytes + padToWord(utf8Length(frame.reason) + 1);
    case "configApplied":
      return bytes;
    default:
      return assertNever(frame);
  }
}

function structBytes(struct: { _capnp: { size: $.ObjectSize } }): number {
  const { dataByteLength, pointerLength } = struct._capnp.size;
  return padToWord(dataByteLength) + pointerLength * WORD_BYTES;
}

function headersBytes(headers: readonly Header[]): number {
  if (headers.length === 0) return 0;
  // A composite list: one tag word, then each Header struct inline.
  let bytes = WORD_BYTES + headers.length * structBytes(gen.Header);
  for (const [name, value] of headers) bytes += textBytes(name) + textBytes(value);
  return bytes;
}

function textListBytes(values: readonly string[]): number {
  if (values.length === 0) return 0;
  let bytes = values.length * WORD_BYTES;
  for (const value of values) bytes += textBytes(value);
  return bytes;
}

/** Text is UTF-8 plus a NUL terminator, padded to a word; empty text is not written at all. */
function textBytes(value: string): number {
  return value === "" ? 0 : padToWord(utf8Length(value) + 1);
}

function padToWord(bytes: number): number {
  return (bytes + 7) & ~7;
}

/** UTF-8 length as TextEncoder produces it (lone surrogates become U+FFFD, three bytes). */
function utf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    } else bytes += 3;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Reading

function readFrame(root: gen.Frame): DecodeResult {
  const streamId = root.streamId;
  const which = root.which();
  let frame: Frame;
  switch (which) {
    case gen.Frame.REQUEST_HEAD: {
      if (!root._hasRequestHead()) return failure("malformed", "requestHead frame has no head");
      const head = root.requestHead;
      const target = head._hasTarget() ? readTarget(head.target) : null;
      if (typeof target === "string") return failure("malformed", target);
      frame = {
        kind: "requestHead",
        streamId,
        method: head.method,
        url: head.url,
        headers: head._hasHeaders() ? readHeaders(head.headers) : [],
        websocket: head.websocket,
        hasBody: head.hasBody,
        target,
      };
      break;
    }
    case gen.Frame.RESPONSE_HEAD: {
      if (!root._hasResponseHead()) return failure("malformed", "responseHead frame has no head");
      const head = root.responseHead;
      frame = {
        kind: "responseHead",
        streamId,
        status: head.status,
        statusText: head.statusText,
        headers: head._hasHeaders() ? readHeaders(head.headers) : [],
        body: head._hasBody() ? head.body.toUint8Array() : new Uint8Array(0),
        endStream: head.endStream,
      };
      break;
    }
    case gen.Frame.DATA:
      frame = {
        kind: "data",
        streamId,
        bytes: root._hasData() ? root.data.toUint8Array() : new Uint8Array(0),
      };
      break;
    case gen.Frame.END:
      frame = { kind: "end", streamId };
      break;
    case gen.Frame.RESET: {
      if (!root._hasReset()) return failure("malformed", "reset frame has no body");
      const reset = root.reset;
      frame = { kind: "reset", streamId, code: reset.code as ResetCode, message: reset.message };
      break;
    }
    case gen.Frame.WINDOW_UPDATE:
      frame = { kind: "windowUpdate", streamId, bytes: root.windowUpdate };
      break;
    case gen.Frame.WEB_SOCKET_MESSAGE: {
      if (!root._hasWebSocketMessage()) {
        return failure("malformed", "webSocketMessage frame has no body");
      }
      const message = root.webSocketMessage;
      frame = {
        kind: "webSocketMessage",
        streamId,
        text: message.text,
        bytes: message._hasBytes() ? message.bytes.toUint8Array() : new Uint8Array(0),
      };
      break;
    }
    case gen.Frame.WEB_SOCKET_CLOSE: {
      if (!root._hasWebSocketClose()) return failure("malformed", "webSocketClose has no body");
      const close = root.webSocketClose;
      frame = { kind: "webSocketClose", streamId, code: close.code, reason: close.reason };
      break;
    }
    case gen.Frame.DNS_QUESTION: {
      if (!root._hasDnsQuestion()) return failure("malformed", "dnsQuestion frame has no body");
      const question = root.dnsQuestion;
      const recordType = RECORD_TYPE_FROM_WIRE[question.recordType];
      if (recordType === undefined) {
        return failure("malformed", `unknown DNS record type ${question.recordType}`);
      }
      frame = {
        kind: "dnsQuestion",
        streamId,
        hostname: question.hostname,
        recordType,
        resolverIps: question._hasResolverIps() ? readTextList(question.resolverIps) : [],
      };
      break;
    }
    case gen.Frame.DNS_ANSWER: {
      if (!root._hasDnsAnswer()) return failure("malformed", "dnsAnswer frame has no body");
      const answer = root.dnsAnswer;
      const status = DNS_STATUS_FROM_WIRE[answer.status];
      if (status === undefined) {
        return failure("malformed", `unknown DNS status ${answer.status}`);
      }
      frame = {
        kind: "dnsAnswer",
        streamId,
        status,
        addresses: answer._hasAddresses() ? readTextList(answer.addresses) : [],
        ttlSeconds: answer.ttlSeconds,
      };
      break;
    }
    case gen.Frame.HELLO: {
      if (!root._hasHello()) return failure("malformed", "hello frame has no body");
      const hello = root.hello;
      frame = {
        kind: "hello",
        streamId,
        connectorId: hello.connectorId,
        version: hello.version,
        arch: hello.arch,
        connIndex: hello.connIndex,
        features: hello._hasFeatures() ? readTextList(hello.features) : [],
        configVersion: hello.configVersion,
      };
      break;
    }
    case gen.Frame.REGISTERED: {
      if (!root._hasRegistered()) return failure("malformed", "registered frame has no body");
      const registered = root.registered;
      frame = {
        kind: "registered",
        streamId,
        connectionId: registered.connectionId,
        location: registered.location,
        hostname: registered.hostname,
      };
      break;
    }
    case gen.Frame.PING:
      frame = { kind: "ping", streamId, nonce: root.ping };
      break;
    case gen.Frame.PONG:
      frame = { kind: "pong", streamId, nonce: root.pong };
      break;
    case gen.Frame.GO_AWAY:
      frame = { kind: "goAway", streamId, reason: root.goAway };
      break;
    case gen.Frame.CONFIG_APPLIED:
      frame = { kind: "configApplied", streamId, version: root.configApplied };
      break;
    default:
      // A newer peer's union member: not malformed, just not ours to understand.
      return failure("unknown_kind", `unknown frame kind ${which as number}`);
  }
  const problem = findProblem(frame);
  return problem === undefined ? { ok: true, frame } : failure("malformed", problem);
}

function readHeaders(list: $.List<gen.Header>): Header[] {
  const headers: Header[] = new Array(list.length);
  for (let i = 0; i < headers.length; i++) {
    const header = list.get(i);
    headers[i] = [header.name, header.value];
  }
  return headers;
}

/** The target, or what is wrong with it. */
function readTarget(target: gen.Target): Target | string {
  const mode = CERT_VERIFICATION_FROM_WIRE[target.certVerification];
  if (mode === undefined) return `unknown certificate verification ${target.certVerification}`;
  let certVerification: CertVerification;
  if (target.verifyCertificate) {
    if (mode === "none") return "target verifies certificates with verification none";
    certVerification = mode;
  } else {
    // An old writer only clears the flag and leaves the mode at its default, `full`.
    if (mode === "ca") return "target skips certificate checks with verification ca";
    certVerification = "none";
  }
  return {
    address: target.address,
    port: target.port,
    tls: target.tls,
    serverName: target.serverName,
    certVerification,
  };
}

function readTextList(list: $.List<string>): string[] {
  const values: string[] = new Array(list.length);
  for (let i = 0; i < values.length; i++) values[i] = list.get(i);
  return values;
}

// ---------------------------------------------------------------------------------------------
// Rules shared by both directions, so encodeFrame never writes what decodeFrame would refuse.

const RESET_CODES: ReadonlySet<number> = new Set(Object.values(gen.ResetCode));

const RECORD_TYPE_TO_WIRE: Record<DnsRecordType, gen.DnsRecordType> = {
  A: gen.DnsRecordType.A,
  AAAA: gen.DnsRecordType.AAAA,
};
const RECORD_TYPE_FROM_WIRE: readonly (DnsRecordType | undefined)[] = invert(RECORD_TYPE_TO_WIRE);

const DNS_STATUS_TO_WIRE: Record<DnsStatus, gen.DnsStatus> = {
  ok: gen.DnsStatus.OK,
  nxdomain: gen.DnsStatus.NXDOMAIN,
  nodata: gen.DnsStatus.NODATA,
  servfail: gen.DnsStatus.SERVFAIL,
  timeout: gen.DnsStatus.TIMEOUT,
  refused: gen.DnsStatus.REFUSED,
};
const DNS_STATUS_FROM_WIRE: readonly (DnsStatus | undefined)[] = invert(DNS_STATUS_TO_WIRE);

const CERT_VERIFICATION_TO_WIRE: Record<CertVerification, gen.CertVerification> = {
  full: gen.CertVerification.FULL,
  ca: gen.CertVerification.CA,
  none: gen.CertVerification.NONE,
};
const CERT_VERIFICATION_FROM_WIRE: readonly (CertVerification | undefined)[] =
  invert(CERT_VERIFICATION_TO_WIRE);

function invert<K extends string>(map: Record<K, number>): (K | undefined)[] {
  const out: (K | undefined)[] = [];
  for (const [key, value] of Object.entries(map) as [K, number][]) out[value] = key;
  return out;
}

function isUint(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}

/** Returns what is wrong with a frame's values, or undefined when the wire can carry it. */
function findProblem(frame: Frame): string | undefined {
  if (!isUint(frame.streamId, MAX_UINT32)) return `stream id ${frame.streamId} is not a uint32`;
  switch (frame.kind) {
    case "requestHead":
      if (frame.target === null) return undefined;
      if (!isUint(frame.target.port, MAX_UINT16)) {
        return `target port ${frame.target.port} is not 0-65535`;
      }
      if (!Object.hasOwn(CERT_VERIFICATION_TO_WIRE, frame.target.certVerification)) {
        return `unknown certificate verification ${frame.target.certVerification}`;
      }
      return undefined;
    case "responseHead":
      // fetch()'s Response accepts 200-599 and the connector also relays 1xx; 100-999 is what
      // HTTP's three-digit grammar allows.
      if (!Number.isInteger(frame.status) || frame.status < 100 || frame.status > 999) {
        return `status ${frame.status} is not 100-999`;
      }
      return undefined;
    case "reset":
      return RESET_CODES.has(frame.code) ? undefined : `unknown reset code ${frame.code}`;
    case "windowUpdate":
      if (frame.bytes === 0 || !isUint(frame.bytes, MAX_UINT32)) {
        return `window update of ${frame.bytes} bytes is not 1-${MAX_UINT32}`;
      }
      return undefined;
    case "webSocketClose":
      // RFC 6455 §7.4: codes below 1000 are unused, 5000 and up are not defined.
      if (!Number.isInteger(frame.code) || frame.code < 1000 || frame.code > 4999) {
        return `WebSocket close code ${frame.code} is not 1000-4999`;
      }
      return undefined;
    case "dnsQuestion":
      return Object.hasOwn(RECORD_TYPE_TO_WIRE, frame.recordType)
        ? undefined
        : `unknown DNS record type ${frame.recordType}`;
    case "dnsAnswer":
      if (!Object.hasOwn(DNS_STATUS_TO_WIRE, frame.status))
        return `unknown DNS status ${frame.status}`;
      if (!isUint(frame.ttlSeconds, MAX_UINT32)) return `TTL ${frame.ttlSeconds} is not a uint32`;
      return undefined;
    case "hello":
      if (!isUint(frame.configVersion, MAX_UINT32)) {
        return `configuration version ${frame.configVersion} is not a uint32`;
      }
      return isUint(frame.connIndex, MAX_UINT16)
        ? undefined
        : `connection index ${frame.connIndex} is not 0-65535`;
    case "configApplied":
      return isUint(frame.version, MAX_UINT32)
        ? undefined
        : `configuration version ${frame.version} is not a uint32`;
    case "ping":
    case "pong":
      return frame.nonce >= 0n && frame.nonce <= MAX_UINT64
        ? undefined
        : `nonce ${frame.nonce} is not a uint64`;
    case "data":
    case "end":
    case "webSocketMessage":
    case "registered":
    case "goAway":
      return undefined;
    default:
      return assertNever(frame);
  }
}

function assertNever(value: never): never {
  throw new TypeError(`unknown frame kind ${(value as { kind: string }).kind}`);
}

/** A data frame's encoded length for `streamId` and `payloadBytes`; RangeError past the limits. */
function checkedDataFrameBytes(streamId: number, payloadBytes: number): number {
  if (!isUint(streamId, MAX_UINT32)) {
    throw new RangeError(`cannot encode data frame: stream id ${streamId} is not a uint32`);
  }
  const totalBytes = dataFrameBytes(payloadBytes);
  if (totalBytes > MAX_FRAME_BYTES) {
    throw new RangeError(`a data frame of ${payloadBytes} bytes is over ${MAX_FRAME_BYTES}`);
  }
  return totalBytes;
}

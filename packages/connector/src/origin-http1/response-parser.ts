/**
 * Node's default `--max-http-header-size`: the limit node:http held origins' response heads to
 * before this parser, kept so an origin that worked before still works and one that did not
 * still fails the same way.
 */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;
/** A chunk-size line with its extensions; Go's net/http allows 4 KiB, as does this. */
const MAX_CHUNK_LINE_BYTES = 4096;
/** Hex digits of a chunk size: 12 is 256 TiB, far past any body and below 2^53. */
const MAX_CHUNK_SIZE_DIGITS = 12;
const LF = 0x0a;
const CR = 0x0d;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values may hold tabs and obs-text; other control characters are refused, as llhttp does. */
const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the reason phrase refuses controls but tab.
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;

/** A final (not 1xx) response head, in node:http's shapes. */
export interface ResponseHead {
  statusCode: number;
  statusMessage: string;
  /** Names and values in order, as node:http's `rawHeaders`. */
  rawHeaders: string[];
  /** The body's declared length, or null (chunked, until close, or none). */
  contentLength: number | null;
  /** Whether the connection may carry another request once this response is complete. */
  keepAlive: boolean;
}

/** What the parser hands on, in order: one head, body views, then the end. */
export interface ResponseParserSink {
  head(head: ResponseHead): void;
  /** A view into the buffer given to `execute`: valid as long as that buffer is. */
  body(bytes: Uint8Array): void;
  end(): void;
}

/** Why a response cannot be read; the connection it came on cannot be reused. */
export type ResponseParseFailure = { ok: false; reason: string };

type Framing =
  | { kind: "none" }
  | { kind: "length"; bytes: number }
  | { kind: "chunked" }
  | { kind: "close" };

type State =
  | "head"
  | "length"
  | "chunk-line"
  | "chunk-data"
  | "chunk-data-end"
  | "trailers"
  | "close"
  | "done"
  | "failed";

/**
 * Reads one HTTP/1.1 response from an origin as its bytes arrive (RFC 9112): skips 1xx interim
 * heads, then frames the body by the request method, status, Transfer-Encoding and
 * Content-Length, handing on views of the reads with no copy. node:http's parser copies every body
 * chunk into a new buffer; this is most of what replacing it saves (packages/connector/README.md,
 * "Plain-HTTP origins").
 *
 * Anything that could make this connector and the origin disagree on where the response ends
 * (conflicting or malformed lengths, a bad chunk line, control characters in a head) fails the
 * response, and the connection is not reused.
 */
export class ResponseParser {
  readonly #sink: ResponseParserSink;
  readonly #bodyless: boolean;
  #state: State = "head";
  /** Head or line bytes that arrived without their end yet (latin1). */
  #partial = "";
  #left = 0;
  #keepAlive = false;
  #trailerBytes = 0;

  /** `headRequest`: the request was HEAD, so no response to it has a body. */
  constructor(sink: ResponseParserSink, options: { headRequest: boolean }) {
    this.#sink = sink;
    this.#bodyless = options.headRequest;
  }

  /** Whether the response ended and the connection can carry another request. */
  get reusable(): boolean {
    return this.#state === "done" && this.#keepAlive;
  }

  get done(): boolean {
    return this.#state === "done";
  }

  /** Body bytes still to come: the rest of a declared length, Infinity until close or chunked. */
  bodyBytesExpected(): number {
    switch (this.#state) {
      case "length":
        return this.#left;
      case "chunk-line":
      case "chunk-data":
      case "chunk-data-end":
      case "close":
        return Number.POSITIVE_INFINITY;
      default:
        return 0;
    }
  }

  /** Whether a head has been handed on. */
  get responded(): boolean {
    return this.#state !== "head" && this.#state !== "failed";
  }

  /**
   * Parses `bytes`. Returns the count of bytes past the end of the response (the origin sent
   * more than one answer: the caller must not reuse the connection), or a failure.
   */
  execute(bytes: Uint8Array): number | ResponseParseFailure {
    let at = 0;
    while (at < bytes.byteLength) {
      switch (this.#state) {
        case "head": {
          const next = this.#readHead(bytes, at);
          if (typeof next !== "number") return this.#fail(next.reason);
          at = next;
          break;
        }
        case "length": {
          const take = Math.min(this.#left, bytes.byteLength - at);
          this.#left -= take;
          this.#sink.body(bytes.subarray(at, at + take));
          at += take;
          if (this.#left === 0) this.#finish();
          break;
        }
        case "close":
          this.#sink.body(at === 0 ? bytes : bytes.subarray(at));
          return 0;
        case "chunk-line": {
          const next = this.#readChunkLine(bytes, at);
          if (typeof next !== "number") return this.#fail(next.reason);
          at = next;
          break;
        }
        case "chunk-data": {
          const take = Math.min(this.#left, bytes.byteLength - at);
          this.#left -= take;
          this.#sink.body(bytes.subarray(at, at + take));
          at += take;
          if (this.#left === 0) this.#state = "chunk-data-end";
          break;
        }
        case "chunk-data-end": {
          const next = this.#readLineEnd(bytes, at);
          if (typeof next !== "number") return this.#fail(next.reason);
          at = next;
          break;
        }
        case "trailers": {
          const next = this.#readTrailers(bytes, at);
          if (typeof next !== "number") return this.#fail(next.reason);
          at = next;
          break;
        }
        case "done":
          return bytes.byteLength - at;
        case "failed":
          return { ok: false, reason: "the response already failed" };
      }
    }
    return 0;
  }

  /**
   * The origin closed the connection: ends a body read until close, or fails a response that
   * was not complete.
   */
  finish(): ResponseParseFailure | null {
    if (this.#state === "close") {
      this.#finish();
      return null;
    }
    if (this.#state === "done") return null;
    return this.#fail(
      this.#state === "head"
        ? "the origin closed the connection without a response"
        : "the origin closed the connection before the response's end",
    );
  }

  #fail(reason: string): ResponseParseFailure {
    this.#state = "failed";
    this.#partial = "";
    return { ok: false, reason };
  }

  #finish(): void {
    this.#state = "done";
    this.#sink.end();
  }

  /** Reads head lines from `at`; returns where the body starts, or a failure. */
  #readHead(bytes: Uint8Array, at: number): number | ResponseParseFailure {
    const end = headEnd(bytes, at, this.#partial);
    if (end === -1) {
      if (this.#partial.length + bytes.byteLength - at > MAX_RESPONSE_HEAD_BYTES) {
        return { ok: false, reason: "response head too large" };
      }
      this.#partial += latin1(bytes, at, bytes.byteLength);
      return bytes.byteLength;
    }
    const text = this.#partial + latin1(bytes, at, end);
    this.#partial = "";
    if (text.length > MAX_RESPONSE_HEAD_BYTES) {
      return { ok: false, reason: "response head too large" };
    }
    const parsed = parseHead(text);
    if (!parsed.ok) return parsed;
    const { statusCode } = parsed;
    // 1xx heads are interim (100 Continue, 103 Early Hints): the final head follows.
    if (statusCode < 200) {
      if (statusCode === 101) return { ok: false, reason: "unexpected 101 Switching Protocols" };
      return end;
    }
    const framing =
      this.#bodyless || statusCode === 204 || statusCode === 304
        ? { kind: "none" as const }
        : bodyFraming(parsed.rawHeaders);
    if ("ok" in framing) return framing;
    this.#keepAlive = parsed.keepAlive && framing.kind !== "close";
    this.#sink.head({
      statusCode,
      statusMessage: parsed.statusMessage,
      rawHeaders: parsed.rawHeaders,
      contentLength: framing.kind === "length" ? framing.bytes : framing.kind === "none" ? 0 : null,
      keepAlive: this.#keepAlive,
    });
    switch (framing.kind) {
      case "none":
        this.#finish();
        break;
      case "length":
        if (framing.bytes === 0) this.#finish();
        else {
          this.#left = framing.bytes;
          this.#state = "length";
        }
        break;
      case "chunked":
        this.#state = "chunk-line";
        break;
      case "close":
        this.#state = "close";
        break;
    }
    return end;
  }

  /** Reads a chunk-size line from `at`; returns where its data starts, or a failure. */
  #readChunkLine(bytes: Uint8Array, at: number): number | ResponseParseFailure {
    const lf = bytes.indexOf(LF, at);
    if (lf === -1) {
      // One byte over the limit may be the line's CR, whose LF is in the next read: the line
      // is judged the same however the reads cut it.
      if (this.#partial.length + bytes.byteLength - at > MAX_CHUNK_LINE_BYTES + 1) {
        return { ok: false, reason: "chunk line too long" };
      }
      this.#partial += latin1(bytes, at, bytes.byteLength);
      return bytes.byteLength;
    }
    const raw = this.#partial + latin1(bytes, at, lf);
    this.#partial = "";
    if (raw.length - (raw.endsWith("\r") ? 1 : 0) > MAX_CHUNK_LINE_BYTES) {
      return { ok: false, reason: "chunk line too long" };
    }
    const line = stripCr(raw);
    if (line === null) return { ok: false, reason: "invalid chunk line" };
    const size = chunkSize(line);
    if (size === null) return { ok: false, reason: "invalid chunk size" };
    if (size === 0) {
      this.#state = "trailers";
      this.#trailerBytes = 0;
    } else {
      this.#left = size;
      this.#state = "chunk-data";
    }
    return lf + 1;
  }

  /** The CRLF after a chunk's data. */
  #readLineEnd(bytes: Uint8Array, at: number): number | ResponseParseFailure {
    // `#partial` holds a CR that arrived at the end of the previous read.
    if (this.#partial === "\r" || bytes[at] === CR) {
      const lfAt = this.#partial === "\r" ? at : at + 1;
      if (lfAt >= bytes.byteLength) {
        this.#partial = "\r";
        return bytes.byteLength;
      }
      if (bytes[lfAt] !== LF) return { ok: false, reason: "chunk data not followed by CRLF" };
      this.#partial = "";
      this.#state = "chunk-line";
      return lfAt + 1;
    }
    if (bytes[at] !== LF) return { ok: false, reason: "chunk data not followed by CRLF" };
    this.#state = "chunk-line";
    return at + 1;
  }

  /** Skips trailer fields (node:http's relay dropped them too) up to the blank line. */
  #readTrailers(bytes: Uint8Array, at: number): number | ResponseParseFailure {
    let from = at;
    while (from < bytes.byteLength) {
      const lf = bytes.indexOf(LF, from);
      const lineEnd = lf === -1 ? bytes.byteLength : lf;
      this.#trailerBytes += lineEnd - from;
      if (this.#trailerBytes > MAX_RESPONSE_HEAD_BYTES) {
        return { ok: false, reason: "response trailers too large" };
      }
      if (lf === -1) {
        this.#partial += latin1(bytes, from, lineEnd);
        return bytes.byteLength;
      }
      const line = stripCr(this.#partial + latin1(bytes, from, lineEnd));
      this.#partial = "";
      if (line === null) return { ok: false, reason: "invalid trailer line" };
      from = lf + 1;
      if (line === "") {
        this.#finish();
        return from;
      }
      if (!validField(line)) return { ok: false, reason: "invalid trailer field" };
    }
    return from;
  }
}

/** The index just past the head's blank line, or -1 while it has not arrived. */
function headEnd(bytes: Uint8Array, at: number, partial: string): number {
  // A blank line may straddle reads: the partial head's last line ended with LF (or LF CR).
  if (partial.endsWith("\n") && bytes[at] === LF) return at + 1;
  if (partial.endsWith("\n") && bytes[at] === CR && bytes[at + 1] === LF) return at + 2;
  if (partial.endsWith("\n\r") && bytes[at] === LF) return at + 1;
  let from = at;
  for (;;) {
    const lf = bytes.indexOf(LF, from);
    if (lf === -1) return -1;
    const next = bytes[lf + 1];
    if (next === LF) return lf + 2;
    if (next === CR && bytes[lf + 2] === LF) return lf + 3;
    from = lf + 1;
  }
}

type ParsedHead =
  | {
      ok: true;
      statusCode: number;
      statusMessage: string;
      rawHeaders: string[];
      keepAlive: boolean;
    }
  | ResponseParseFailure;

/** A whole head (its blank line included) as latin1 text. */
function parseHead(text: string): ParsedHead {
  const lines = text.split("\n");
  // The text ends with the blank line: the split leaves "" (or "\r") and "" at the end.
  lines.length -= 2;
  const statusLine = stripCr(lines[0] ?? "");
  const status = statusLine === null ? null : STATUS_LINE.exec(statusLine);
  if (!status) return { ok: false, reason: "invalid status line" };
  const rawHeaders: string[] = [];
  let connection = "";
  let transferEncoding = false;
  for (let i = 1; i < lines.length; i++) {
    const line = stripCr(lines[i]!);
    // obs-fold (a line starting with whitespace) is refused, as RFC 9112 §5.2 lets a client do.
    if (line === null || !validField(line)) return { ok: false, reason: "invalid header field" };
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    rawHeaders.push(name, value);
    if (name.length === 10 && name.toLowerCase() === "connection") {
      connection += `,${value.toLowerCase()}`;
    } else if (name.length === 17 && name.toLowerCase() === "transfer-encoding") {
      transferEncoding = true;
    }
  }
  const tokens = connection.split(",").map((token) => token.trim());
  const http11 = status[1] === "1";
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding may have passed a hop that did not
  // understand it, so its framing is suspect and the connection is closed after it.
  const keepAlive = http11
    ? !tokens.includes("close")
    : tokens.includes("keep-alive") && !transferEncoding;
  return {
    ok: true,
    statusCode: Number(status[2]),
    statusMessage: status[3] ?? "",
    rawHeaders,
    keepAlive,
  };
}

/** A field line `name: value`, with a token name and no control characters. */
function validField(line: string): boolean {
  const colon = line.indexOf(":");
  if (colon <= 0) return false;
  return TOKEN.test(line.slice(0, colon)) && !INVALID_VALUE_CHAR.test(line.slice(colon + 1));
}

/** RFC 9112 §6.3: how a response with a body is framed, from its header fields. */
function bodyFraming(rawHeaders: string[]): Framing | ResponseParseFailure {
  let transferEncoding: string | null = null;
  let length: string | null = null;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (name === "transfer-encoding") {
      transferEncoding =
        transferEncoding === null ? rawHeaders[i + 1]! : `${transferEncoding},${rawHeaders[i + 1]}`;
    } else if (name === "content-length") {
      for (const member of rawHeaders[i + 1]!.split(",")) {
        const value = member.trim();
        if (!/^\d{1,15}$/.test(value)) return { ok: false, reason: "invalid Content-Length" };
        if (length !== null && Number(length) !== Number(value)) {
          return { ok: false, reason: "conflicting Content-Length values" };
        }
        length = value;
      }
    }
  }
  if (transferEncoding !== null) {
    // Transfer-Encoding overrides Content-Length; a body not chunked last runs until close.
    const codings = transferEncoding.split(",").map((coding) => coding.trim().toLowerCase());
    return codings[codings.length - 1] === "chunked" ? { kind: "chunked" } : { kind: "close" };
  }
  if (length !== null) return { kind: "length", bytes: Number(length) };
  return { kind: "close" };
}

/** A chunk-size line's size (extensions ignored), or null when it is not one. */
function chunkSize(line: string): number | null {
  const semicolon = line.indexOf(";");
  const digits = (semicolon === -1 ? line : line.slice(0, semicolon)).replace(/[ \t]+$/, "");
  if (digits.length === 0 || digits.length > MAX_CHUNK_SIZE_DIGITS) return null;
  if (!/^[0-9a-fA-F]+$/.test(digits)) return null;
  return Number.parseInt(digits, 16);
}

/** The line without its CR; null if a CR appears anywhere else in it. */
function stripCr(line: string): string | null {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  return text.includes("\r") ? null : text;
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString("latin1");
}

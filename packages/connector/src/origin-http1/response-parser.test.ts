import { describe, expect, it } from "vitest";
import {
  MAX_RESPONSE_HEAD_BYTES,
  type ResponseHead,
  ResponseParser,
  type ResponseParserSink,
} from "./response-parser";

/** Everything a parser handed on for one input, in a shape two runs can be compared by. */
interface Outcome {
  heads: ResponseHead[];
  body: string;
  ended: boolean;
  /** Bytes counted past the end of the response, summed over the reads. */
  extra: number;
  failure: string | null;
  /** Whether `reusable` held once the input (and the EOF, if any) was read. */
  reusable: boolean;
}

interface Feed {
  headRequest?: boolean;
  /** Calls finish() after the last read, as the connection's end does. */
  eof?: boolean;
}

/** Feeds `pieces` to a fresh parser as successive reads, then the EOF if asked. */
function parsePieces(pieces: readonly Uint8Array[], feed: Feed = {}): Outcome {
  const outcome: Outcome = {
    heads: [],
    body: "",
    ended: false,
    extra: 0,
    failure: null,
    reusable: false,
  };
  const sink: ResponseParserSink = {
    head(head) {
      if (outcome.heads.length > 0) throw new Error("a second head was handed on");
      outcome.heads.push(head);
    },
    body(bytes) {
      if (outcome.heads.length === 0) throw new Error("body before the head");
      if (outcome.ended) throw new Error("body after the end");
      if (bytes.byteLength === 0) throw new Error("an empty body view");
      outcome.body += Buffer.from(bytes).toString("latin1");
    },
    end() {
      if (outcome.heads.length === 0) throw new Error("end before the head");
      if (outcome.ended) throw new Error("a second end");
      outcome.ended = true;
    },
  };
  const parser = new ResponseParser(sink, { headRequest: feed.headRequest ?? false });
  for (const piece of pieces) {
    const result = parser.execute(piece);
    if (typeof result !== "number") {
      outcome.failure = result.reason;
      return outcome;
    }
    outcome.extra += result;
  }
  if (feed.eof) {
    const failure = parser.finish();
    if (failure) {
      outcome.failure = failure.reason;
      return outcome;
    }
  }
  outcome.reusable = parser.reusable;
  return outcome;
}

function bytesOf(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

/** `bytes` cut at each of `at` (ascending offsets), each piece copied into its own buffer. */
function cut(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const offset of [...at, bytes.byteLength]) {
    pieces.push(Uint8Array.from(bytes.subarray(from, offset)));
    from = offset;
  }
  return pieces;
}

/** Mulberry32: a small seeded generator, so a failing random case can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInt(random: () => number, below: number): number {
  return Math.floor(random() * below);
}

/** Up to `maxCuts` distinct ascending cut offsets inside `length`. */
function randomCuts(random: () => number, length: number, maxCuts: number): number[] {
  if (length < 2) return [];
  const count = 1 + randomInt(random, maxCuts);
  const offsets = new Set<number>();
  for (let i = 0; i < count; i++) offsets.add(1 + randomInt(random, length - 1));
  return [...offsets].sort((a, b) => a - b);
}

/** Random multi-way splits per input: bounded, and seeded by the input's length. */
const RANDOM_SPLITS = 40;

/**
 * Parses `input` whole, then split at every byte boundary, byte by byte, and in random
 * multi-way splits, and checks every run hands on what the whole read did. Returns that outcome.
 */
function parseEverySplit(input: string | Uint8Array, feed: Feed = {}): Outcome {
  const bytes = typeof input === "string" ? bytesOf(input) : input;
  const whole = parsePieces([bytes], feed);
  for (let at = 1; at < bytes.byteLength; at++) {
    expect(parsePieces(cut(bytes, [at]), feed), `split at ${at}`).toEqual(whole);
  }
  const everyByte = Array.from({ length: Math.max(0, bytes.byteLength - 1) }, (_, i) => i + 1);
  expect(parsePieces(cut(bytes, everyByte), feed), "byte by byte").toEqual(whole);
  const random = seeded(bytes.byteLength);
  for (let i = 0; i < RANDOM_SPLITS; i++) {
    const at = randomCuts(random, bytes.byteLength, 8);
    expect(parsePieces(cut(bytes, at), feed), `split at ${at.join(",")}`).toEqual(whole);
  }
  return whole;
}

function head(overrides: Partial<ResponseHead> & { rawHeaders: string[] }): ResponseHead {
  return {
    statusCode: 200,
    statusMessage: "OK",
    contentLength: null,
    keepAlive: true,
    ...overrides,
  };
}

describe("ResponseParser framing", () => {
  it("reads a Content-Length body and counts the bytes past it", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1",
    );
    expect(outcome).toEqual({
      heads: [
        head({
          rawHeaders: ["Content-Type", "text/plain", "Content-Length", "5"],
          contentLength: 5,
        }),
      ],
      body: "hello",
      ended: true,
      extra: 8,
      failure: null,
      reusable: true,
    });
  });

  it("ends a Content-Length: 0 response at its head", () => {
    const outcome = parseEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    expect(outcome.heads[0]?.contentLength).toBe(0);
    expect(outcome).toMatchObject({ body: "", ended: true, extra: 0, reusable: true });
  });

  it("reads body bytes that look like a head or line ends as body", () => {
    const body = "\r\n\r\nHTTP/1.1 200 OK\r\n\n\r0\r\n\r\n";
    const outcome = parseEverySplit(
      `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(outcome).toMatchObject({ body, ended: true, extra: 0 });
  });

  it("hands on views of the read it was given, not copies", () => {
    const views: Uint8Array[] = [];
    const parser = new ResponseParser(
      { head() {}, body: (bytes) => views.push(bytes), end() {} },
      { headRequest: false },
    );
    const read = bytesOf("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
    expect(parser.execute(read)).toBe(0);
    expect(views).toHaveLength(1);
    expect(views[0]!.buffer).toBe(read.buffer);
    expect(Buffer.from(views[0]!).toString()).toBe("abc");
  });

  it("reads no body after a HEAD request, whatever the head declares", () => {
    const outcome = parseEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", {
      headRequest: true,
    });
    expect(outcome).toMatchObject({ body: "", ended: true, extra: 0, reusable: true });
    expect(outcome.heads[0]?.contentLength).toBe(0);
    const chunked = parseEverySplit("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", {
      headRequest: true,
    });
    expect(chunked).toMatchObject({ body: "", ended: true, reusable: true });
  });

  it("counts a body sent to a HEAD request as bytes past the response", () => {
    const outcome = parseEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody", {
      headRequest: true,
    });
    expect(outcome).toMatchObject({ body: "", ended: true, extra: 4 });
  });

  it("reads no body for 204 and 304, whatever the head declares", () => {
    for (const status of ["204 No Content", "304 Not Modified"]) {
      for (const framing of ["Content-Length: 7", "Transfer-Encoding: chunked", "X-None: 1"]) {
        const outcome = parseEverySplit(`HTTP/1.1 ${status}\r\n${framing}\r\n\r\n`);
        expect(outcome).toMatchObject({ body: "", ended: true, extra: 0, reusable: true });
        expect(outcome.heads[0]?.contentLength).toBe(0);
      }
    }
  });

  it("skips 1xx interim heads and hands on the final one", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 100 Continue\r\n\r\n" +
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
        "HTTP/1.1 102 Processing\r\n\r\n" +
        "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    );
    expect(outcome.heads).toEqual([
      head({
        statusCode: 201,
        statusMessage: "Created",
        rawHeaders: ["Content-Length", "2"],
        contentLength: 2,
      }),
    ]);
    expect(outcome).toMatchObject({ body: "ok", ended: true });
  });

  it("ignores a 1xx head's framing headers", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    );
    expect(outcome).toMatchObject({ body: "ok", ended: true, extra: 0 });
  });

  it("refuses a 101 Switching Protocols", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    );
    expect(outcome.failure).toBe("unexpected 101 Switching Protocols");
    expect(outcome.heads).toEqual([]);
  });

  it("reads a chunked body with extensions and skips its trailers", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "5\r\nhello\r\n" +
        "1;name=value\r\n \r\n" +
        'A; quoted="a;b" ;flag\r\n0123456789\r\n' +
        "000c \r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n" +
        "0;last\r\nExpires: never\r\nX-Checksum: abc\tdef\r\n\r\n",
    );
    expect(outcome).toEqual({
      heads: [head({ rawHeaders: ["Transfer-Encoding", "chunked"], contentLength: null })],
      body: "hello 0123456789\r\n\r\n\r\n\r\n\r\n\r\n",
      ended: true,
      extra: 0,
      failure: null,
      reusable: true,
    });
  });

  it("reads chunk sizes in either case and with leading zeros", () => {
    const outcome = parseEverySplit(
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0a\r\n${"x".repeat(10)}\r\n` +
        `1F\r\n${"y".repeat(31)}\r\n00000000000f\r\n${"z".repeat(15)}\r\n0\r\n\r\n`,
    );
    expect(outcome.body).toBe("x".repeat(10) + "y".repeat(31) + "z".repeat(15));
    expect(outcome.ended).toBe(true);
  });

  it("counts the bytes past a chunked body's end", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nextra",
    );
    expect(outcome).toMatchObject({ body: "ok", ended: true, extra: 5 });
  });

  it("accepts bare LF line ends in the head, chunk lines and trailers", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nX-A: 1\n\n3\nabc\n2;x=y\nde\r\n0\nTrailer: t\n\n",
    );
    expect(outcome).toMatchObject({
      heads: [head({ rawHeaders: ["Transfer-Encoding", "chunked", "X-A", "1"] })],
      body: "abcde",
      ended: true,
      extra: 0,
      reusable: true,
    });
  });

  it("accepts a head whose blank line is CRLF after bare LF lines, and the reverse", () => {
    for (const text of [
      "HTTP/1.1 200 OK\nContent-Length: 1\n\r\nx",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\nx",
    ]) {
      expect(parseEverySplit(text)).toMatchObject({ body: "x", ended: true, extra: 0 });
    }
  });

  it("lets Transfer-Encoding win over Content-Length", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    );
    expect(outcome).toMatchObject({ body: "hello", ended: true, extra: 0 });
    expect(outcome.heads[0]?.contentLength).toBeNull();
  });

  it("reads a body whose last coding is chunked as chunked, across Transfer-Encoding lines", () => {
    for (const codings of [
      "Transfer-Encoding: gzip, chunked",
      "Transfer-Encoding: gzip\r\nTransfer-Encoding: CHUNKED",
      "transfer-encoding:   Chunked  ",
    ]) {
      const outcome = parseEverySplit(`HTTP/1.1 200 OK\r\n${codings}\r\n\r\n3\r\nabc\r\n0\r\n\r\n`);
      expect(outcome).toMatchObject({ body: "abc", ended: true, reusable: true });
    }
  });

  it("reads a body whose last coding is not chunked until the connection closes", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 2\r\n\r\n3\r\nabc",
      { eof: true },
    );
    expect(outcome).toMatchObject({ body: "3\r\nabc", ended: true, reusable: false });
    expect(outcome.heads[0]).toMatchObject({ contentLength: null, keepAlive: false });
  });

  it("reads a body without framing until the connection closes", () => {
    const outcome = parseEverySplit("HTTP/1.1 200 OK\r\nX: y\r\n\r\nall of this", { eof: true });
    expect(outcome).toEqual({
      heads: [head({ rawHeaders: ["X", "y"], keepAlive: false })],
      body: "all of this",
      ended: true,
      extra: 0,
      failure: null,
      reusable: false,
    });
  });

  it("ends an empty body read until close when the connection closes", () => {
    const outcome = parseEverySplit("HTTP/1.0 200 OK\r\n\r\n", { eof: true });
    expect(outcome).toMatchObject({ body: "", ended: true, failure: null, reusable: false });
  });

  it("accepts duplicate Content-Length values that agree", () => {
    for (const lengths of [
      "Content-Length: 3\r\nContent-Length: 3",
      "Content-Length: 3, 3",
      "Content-Length: 3,3\r\ncontent-length: 003",
    ]) {
      const outcome = parseEverySplit(`HTTP/1.1 200 OK\r\n${lengths}\r\n\r\nabc`);
      expect(outcome).toMatchObject({ body: "abc", ended: true, extra: 0, failure: null });
      expect(outcome.heads[0]?.contentLength).toBe(3);
    }
  });

  it("keeps an HTTP/1.1 connection alive unless a Connection header says close", () => {
    const keepAlive = (headers: string) =>
      parseEverySplit(`HTTP/1.1 200 OK\r\n${headers}Content-Length: 0\r\n\r\n`).heads[0]?.keepAlive;
    expect(keepAlive("")).toBe(true);
    expect(keepAlive("Connection: keep-alive\r\n")).toBe(true);
    expect(keepAlive("Connection: close\r\n")).toBe(false);
    expect(keepAlive("Connection: CLOSE\r\n")).toBe(false);
    expect(keepAlive("Connection: upgrade, close\r\n")).toBe(false);
    expect(keepAlive("Connection: upgrade\r\nconnection: close\r\n")).toBe(false);
    expect(keepAlive("Connection: closed\r\n")).toBe(true);
  });

  it("closes an HTTP/1.0 connection unless a Connection header says keep-alive", () => {
    const keepAlive = (headers: string) =>
      parseEverySplit(`HTTP/1.0 200 OK\r\n${headers}Content-Length: 0\r\n\r\n`).heads[0]?.keepAlive;
    expect(keepAlive("")).toBe(false);
    expect(keepAlive("Connection: keep-alive\r\n")).toBe(true);
    expect(keepAlive("Connection: Keep-Alive\r\n")).toBe(true);
    expect(keepAlive("Connection: foo\r\nConnection: keep-alive\r\n")).toBe(true);
    expect(keepAlive("Connection: close\r\n")).toBe(false);
  });

  it("closes an HTTP/1.0 connection after a response with Transfer-Encoding", () => {
    // RFC 9112 §6.1: such framing is faulty, even with Connection: keep-alive.
    const outcome = parseEverySplit(
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "2\r\nok\r\n0\r\n\r\n",
    );
    expect(outcome).toMatchObject({ body: "ok", ended: true, reusable: false });
    expect(outcome.heads[0]?.keepAlive).toBe(false);
  });

  it("never keeps a connection alive whose body runs until close", () => {
    const outcome = parseEverySplit("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nbody", {
      eof: true,
    });
    expect(outcome.heads[0]?.keepAlive).toBe(false);
    expect(outcome).toMatchObject({ body: "body", ended: true, reusable: false });
  });

  it("reads status lines without a reason phrase or with an unusual one", () => {
    const status = (line: string) =>
      parseEverySplit(`${line}\r\nContent-Length: 0\r\n\r\n`).heads[0];
    expect(status("HTTP/1.1 200")).toMatchObject({ statusCode: 200, statusMessage: "" });
    expect(status("HTTP/1.1 404 ")).toMatchObject({ statusCode: 404, statusMessage: "" });
    expect(status("HTTP/1.1 500 Internal  Server\tError ")).toMatchObject({
      statusCode: 500,
      statusMessage: "Internal  Server\tError ",
    });
    expect(status("HTTP/1.1 299 caf\xe9")).toMatchObject({ statusMessage: "caf\xe9" });
    expect(status("HTTP/1.0 999 Custom")).toMatchObject({ statusCode: 999 });
  });

  it("trims a value's surrounding whitespace and keeps names, order, duplicates and obs-text", () => {
    const outcome = parseEverySplit(
      "HTTP/1.1 200 OK\r\nX-Pad: \t padded value\t \r\nX-Empty:\r\nX-Tight:v\r\n" +
        "Set-Cookie: a=1\r\nset-cookie: b=2\r\nX-Latin: caf\xe9\r\nContent-Length: 0\r\n\r\n",
    );
    expect(outcome.heads[0]?.rawHeaders).toEqual([
      "X-Pad",
      "padded value",
      "X-Empty",
      "",
      "X-Tight",
      "v",
      "Set-Cookie",
      "a=1",
      "set-cookie",
      "b=2",
      "X-Latin",
      "caf\xe9",
      "Content-Length",
      "0",
    ]);
  });

  it("accepts a head of exactly the head limit", () => {
    const start = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Fill: ";
    const fill = "f".repeat(MAX_RESPONSE_HEAD_BYTES - start.length - 4);
    const text = `${start}${fill}\r\n\r\n`;
    expect(text.length).toBe(MAX_RESPONSE_HEAD_BYTES);
    const outcome = parsePieces([bytesOf(text)]);
    expect(outcome).toMatchObject({ ended: true, failure: null });
    // Every boundary of a 16 KiB head is too many runs; these cover both sides of each read.
    for (const at of [1, 100, MAX_RESPONSE_HEAD_BYTES - 3, MAX_RESPONSE_HEAD_BYTES - 1]) {
      expect(parsePieces(cut(bytesOf(text), [at]))).toEqual(outcome);
    }
  });

  it("accepts a chunk line of exactly the chunk line limit", () => {
    // Regression: a read that ended between such a line's CR and LF counted the CR against the
    // limit and refused the line that a whole read accepted.
    const extension = `;x=${"e".repeat(4096 - 4)}`;
    const line = `3${extension}`;
    expect(line.length).toBe(4096);
    const text = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${line}\r\nabc\r\n0\r\n\r\n`;
    const bytes = bytesOf(text);
    const whole = parsePieces([bytes]);
    expect(whole).toMatchObject({ body: "abc", ended: true, failure: null });
    const lineStart = text.indexOf(line);
    for (const at of [lineStart + 1, lineStart + 4095, lineStart + 4096, lineStart + 4097]) {
      expect(parsePieces(cut(bytes, [at])), `split at ${at}`).toEqual(whole);
    }
  });

  it("tells how many body bytes are still to come", () => {
    const expected = (text: string) => {
      const parser = new ResponseParser({ head() {}, body() {}, end() {} }, { headRequest: false });
      parser.execute(bytesOf(text));
      return parser.bodyBytesExpected();
    };
    expect(expected("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n")).toBe(0);
    expect(expected("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")).toBe(100);
    expect(expected("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")).toBe(90);
    expect(expected("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n0")).toBe(0);
    expect(expected("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(expected("HTTP/1.1 200 OK\r\n\r\nuntil close")).toBe(Number.POSITIVE_INFINITY);
    expect(expected("HTTP/1.1 204 No Content\r\n\r\n")).toBe(0);
  });

  it("reports its state through done, reusable and responded", () => {
    const parser = new ResponseParser({ head() {}, body() {}, end() {} }, { headRequest: false });
    expect([parser.responded, parser.done, parser.reusable]).toEqual([false, false, false]);
    parser.execute(bytesOf("HTTP/1.1 100 Continue\r\n\r\n"));
    expect(parser.responded).toBe(false);
    parser.execute(bytesOf("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\na"));
    expect([parser.responded, parser.done, parser.reusable]).toEqual([true, false, false]);
    parser.execute(bytesOf("b"));
    expect([parser.responded, parser.done, parser.reusable]).toEqual([true, true, true]);
    expect(parser.execute(bytesOf("more"))).toBe(4);
  });
});

describe("ResponseParser refusals", () => {
  function failure(input: string, feed: Feed = {}): string | null {
    return parseEverySplit(input, feed).failure;
  }

  it("refuses invalid status lines", () => {
    for (const line of [
      "HTTP/2.0 200 OK",
      "HTTP/1.2 200 OK",
      "http/1.1 200 OK",
      "HTTP/1.1 20 OK",
      "HTTP/1.1 2000 OK",
      "HTTP/1.1 099 Low",
      "HTTP/1.1 200OK",
      "HTTP/1.1  200 OK",
      "HTTP/1.1 abc OK",
      "ICY 200 OK",
      "HTTP/1.1 200 O\x01K",
      "HTTP/1.1 200 O\x7fK",
      "",
      " HTTP/1.1 200 OK",
    ]) {
      expect(failure(`${line}\r\nContent-Length: 0\r\n\r\n`), JSON.stringify(line)).toBe(
        "invalid status line",
      );
    }
  });

  it("refuses a malformed Content-Length", () => {
    for (const value of [
      "abc",
      "-1",
      "+5",
      "5.0",
      "",
      "1e3",
      "0x10",
      "5 5",
      "5,",
      ",5",
      "1".repeat(16),
    ]) {
      expect(
        failure(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\nbody`),
        JSON.stringify(value),
      ).toBe("invalid Content-Length");
    }
  });

  it("refuses Content-Length values that disagree", () => {
    for (const lengths of [
      "Content-Length: 3\r\nContent-Length: 4",
      "Content-Length: 3, 4",
      "Content-Length: 3\r\nX: y\r\ncontent-length: 3, 30",
    ]) {
      expect(failure(`HTTP/1.1 200 OK\r\n${lengths}\r\n\r\nabcd`)).toBe(
        "conflicting Content-Length values",
      );
    }
  });

  it("refuses a bad chunk size", () => {
    for (const size of ["xyz", "", "-1", " 5", "0x5", "5 5", "1".repeat(13), "+5", "g"]) {
      expect(
        failure(
          `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\nhello\r\n0\r\n\r\n`,
        ),
        JSON.stringify(size),
      ).toBe("invalid chunk size");
    }
  });

  it("refuses chunk data not followed by CRLF", () => {
    for (const after of ["X\r\n0\r\n\r\n", "\rX\n0\r\n\r\n", "\r\r\n0\r\n\r\n", " \r\n0\r\n\r\n"]) {
      expect(
        failure(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc${after}`),
        JSON.stringify(after),
      ).toBe("chunk data not followed by CRLF");
    }
  });

  it("refuses a head past the head limit, whether or not its end has come", () => {
    const start = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Fill: ";
    const fill = "f".repeat(MAX_RESPONSE_HEAD_BYTES - start.length - 3);
    const complete = bytesOf(`${start}${fill}\r\n\r\n`);
    expect(complete.byteLength).toBe(MAX_RESPONSE_HEAD_BYTES + 1);
    expect(parsePieces([complete]).failure).toBe("response head too large");
    for (const at of [1, 1000, MAX_RESPONSE_HEAD_BYTES - 1, MAX_RESPONSE_HEAD_BYTES]) {
      expect(parsePieces(cut(complete, [at])).failure, `split at ${at}`).toBe(
        "response head too large",
      );
    }
    const endless = bytesOf(`${start}${"f".repeat(MAX_RESPONSE_HEAD_BYTES)}`);
    expect(parsePieces([endless]).failure).toBe("response head too large");
    expect(parsePieces(cut(endless, [100, 8000])).failure).toBe("response head too large");
  });

  it("refuses trailers past the head limit", () => {
    const trailer = `X-Big: ${"t".repeat(MAX_RESPONSE_HEAD_BYTES)}\r\n`;
    const text = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${trailer}\r\n`;
    expect(parsePieces([bytesOf(text)]).failure).toBe("response trailers too large");
    expect(parsePieces(cut(bytesOf(text), [60, 9000])).failure).toBe("response trailers too large");
  });

  it("refuses a chunk line past the chunk line limit, whether or not its end has come", () => {
    const start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const line = `3;x=${"e".repeat(4096 - 3)}`;
    expect(line.length).toBe(4097);
    const bytes = bytesOf(`${start}${line}\r\nabc\r\n0\r\n\r\n`);
    const whole = parsePieces([bytes]);
    expect(whole.failure).toBe("chunk line too long");
    for (let at = start.length + 1; at <= start.length + line.length + 1; at += 1) {
      expect(parsePieces(cut(bytes, [at])).failure, `split at ${at}`).toBe("chunk line too long");
    }
    const endless = bytesOf(`${start}3;${"e".repeat(8000)}`);
    expect(parsePieces([endless]).failure).toBe("chunk line too long");
  });

  it("refuses a CR inside a line", () => {
    const cases: Array<[string, string]> = [
      ["HTTP/1.1 200 O\rK\r\nContent-Length: 0\r\n\r\n", "invalid status line"],
      ["HTTP/1.1 200 OK\r\nX-A: b\rc\r\nContent-Length: 0\r\n\r\n", "invalid header field"],
      ["HTTP/1.1 200 OK\r\nX-A: b\r\r\nContent-Length: 0\r\n\r\n", "invalid header field"],
      ["HTTP/1.1 200 OK\r\n\rX-A: b\r\nContent-Length: 0\r\n\r\n", "invalid header field"],
      [
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a\rb\r\nabc\r\n0\r\n\r\n",
        "invalid chunk line",
      ],
      [
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\rb\r\n\r\n",
        "invalid trailer line",
      ],
    ];
    for (const [input, reason] of cases) expect(failure(input), JSON.stringify(input)).toBe(reason);
  });

  it("refuses obs-fold continuation lines", () => {
    expect(failure("HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 0\r\n\r\n")).toBe(
      "invalid header field",
    );
    expect(failure("HTTP/1.1 200 OK\r\nX-A: b\r\n\tc\r\nContent-Length: 0\r\n\r\n")).toBe(
      "invalid header field",
    );
    expect(
      failure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n b\r\n\r\n"),
    ).toBe("invalid trailer field");
  });

  it("refuses control characters in a header or trailer value", () => {
    for (const control of ["\x00", "\x01", "\x08", "\x0b", "\x1f", "\x7f"]) {
      expect(
        failure(`HTTP/1.1 200 OK\r\nX-A: a${control}b\r\nContent-Length: 0\r\n\r\n`),
        JSON.stringify(control),
      ).toBe("invalid header field");
      expect(
        failure(
          `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a${control}\r\n\r\n`,
        ),
        JSON.stringify(control),
      ).toBe("invalid trailer field");
    }
  });

  it("refuses header lines that are not a token name and a colon", () => {
    for (const line of ["X-A b", ": empty name", "X A: b", "X-A : b", "X(A): b", "X-\xe9: b"]) {
      expect(
        failure(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`),
        JSON.stringify(line),
      ).toBe("invalid header field");
    }
  });

  it("refuses every read after a failure", () => {
    const parser = new ResponseParser({ head() {}, body() {}, end() {} }, { headRequest: false });
    expect(parser.execute(bytesOf("NOT HTTP\r\n\r\n"))).toEqual({
      ok: false,
      reason: "invalid status line",
    });
    expect(parser.execute(bytesOf("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))).toEqual({
      ok: false,
      reason: "the response already failed",
    });
    expect([parser.responded, parser.done, parser.reusable]).toEqual([false, false, false]);
  });
});

describe("ResponseParser finish", () => {
  it("ends a body read until close and hands on nothing more", () => {
    let ends = 0;
    const parser = new ResponseParser(
      { head() {}, body() {}, end: () => ends++ },
      { headRequest: false },
    );
    parser.execute(bytesOf("HTTP/1.1 200 OK\r\n\r\nsome"));
    expect(parser.done).toBe(false);
    expect(parser.finish()).toBeNull();
    expect(parser.done).toBe(true);
    expect(parser.reusable).toBe(false);
    expect(parser.finish()).toBeNull();
    expect(ends).toBe(1);
  });

  it("returns null after a complete response", () => {
    const outcome = parseEverySplit("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", { eof: true });
    expect(outcome).toMatchObject({ ended: true, failure: null, reusable: true });
  });

  it("fails a response whose body was cut short", () => {
    const reason = "the origin closed the connection before the response's end";
    for (const input of [
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n",
    ]) {
      const outcome = parseEverySplit(input, { eof: true });
      expect(outcome.failure, JSON.stringify(input)).toBe(reason);
      expect(outcome.ended).toBe(false);
    }
  });

  it("fails a response whose head never came", () => {
    const reason = "the origin closed the connection without a response";
    expect(parsePieces([], { eof: true }).failure).toBe(reason);
    for (const input of [
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n",
      "HTTP/1.1 200 OK\r\n\r",
      "HTTP/1.1 100 Continue\r\n\r\n",
    ]) {
      expect(parseEverySplit(input, { eof: true }).failure, JSON.stringify(input)).toBe(reason);
    }
  });
});

/** Characters for random header names: every token character. */
const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Header value characters other than the edges' whitespace: visible ASCII and obs-text. */
const VALUE_CHARS = `${Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join("")}\xa0\xe9\xff`;

interface RandomResponse {
  bytes: Buffer;
  expected: Outcome;
  feed: Feed;
}

/** A random valid response with the outcome a parser must hand on for it. */
function randomResponse(random: () => number): RandomResponse {
  const pick = <T>(items: readonly T[]): T => items[randomInt(random, items.length)]!;
  const eol = () => (random() < 0.15 ? "\n" : "\r\n");
  const text = (chars: string, max: number, min = 0) =>
    Array.from({ length: min + randomInt(random, max - min + 1) }, () => pick([...chars])).join("");
  let wire = "";
  for (let i = randomInt(random, 3); i > 0; i--) {
    wire += `HTTP/1.1 ${pick(["100 Continue", "103 Early Hints", "102"])}${eol()}`;
    if (random() < 0.5) wire += `Link: </${text(TOKEN_CHARS, 10)}>${eol()}`;
    wire += eol();
  }
  const http10 = random() < 0.2;
  const statusCode = pick([200, 201, 203, 206, 299, 404, 500, 503]);
  const statusMessage = pick(["", "OK", "Not Found", "Some Reason phrase", "caf\xe9"]);
  wire += `HTTP/1.${http10 ? 0 : 1} ${statusCode}${statusMessage ? ` ${statusMessage}` : ""}${eol()}`;
  const rawHeaders: string[] = [];
  const addHeader = (name: string, value: string, padded = value) => {
    rawHeaders.push(name, value);
    wire += `${name}:${padded}${eol()}`;
  };
  for (let i = randomInt(random, 6); i > 0; i--) {
    // Names that could change the framing or keep-alive are added on purpose below.
    const name = `X-${text(TOKEN_CHARS, 12, 1)}`;
    const inner = random() < 0.3 ? `${text(VALUE_CHARS, 6, 1)}\t ${text(VALUE_CHARS, 6, 1)}` : "";
    const value = inner || text(VALUE_CHARS, 20);
    addHeader(name, value, `${pick(["", " ", "\t", "  "])}${value}${pick(["", " ", "\t"])}`);
  }
  let keepAlive = !http10;
  const connection = pick([null, null, "close", "keep-alive", "Keep-Alive", "upgrade"]);
  if (connection !== null) {
    addHeader("Connection", connection, ` ${connection}`);
    const lower = connection.toLowerCase();
    keepAlive = http10 ? lower === "keep-alive" : lower !== "close";
  }
  const body = Buffer.from(
    Array.from({ length: pick([0, 1, 2, 17, 300, 5000]) }, () => randomInt(random, 256)),
  ).toString("latin1");
  const framing = pick(["length", "chunked", "close"] as const);
  let contentLength: number | null = null;
  let bodyWire = "";
  const feed: Feed = {};
  if (framing === "length") {
    contentLength = body.length;
    addHeader("Content-Length", String(body.length), ` ${body.length}`);
    if (random() < 0.2) addHeader("content-length", String(body.length), ` ${body.length}`);
    bodyWire = body;
  } else if (framing === "chunked") {
    addHeader("Transfer-Encoding", "chunked", " chunked");
    if (http10) keepAlive = false;
    let at = 0;
    while (at < body.length) {
      const size = Math.min(body.length - at, 1 + randomInt(random, 700));
      const hex = size.toString(16);
      const extension =
        random() < 0.3 ? `;${text(TOKEN_CHARS, 5, 1)}=${text(TOKEN_CHARS, 5, 1)}` : "";
      bodyWire += `${random() < 0.5 ? hex : hex.toUpperCase()}${extension}${eol()}`;
      bodyWire += `${body.slice(at, at + size)}${eol()}`;
      at += size;
    }
    bodyWire += `0${eol()}`;
    for (let i = randomInt(random, 3); i > 0; i--) {
      bodyWire += `X-Trailer-${i}: ${text(VALUE_CHARS, 10)}${eol()}`;
    }
    bodyWire += eol();
  } else {
    keepAlive = false;
    feed.eof = true;
    bodyWire = body;
  }
  wire += eol() + bodyWire;
  const extra = framing !== "close" && random() < 0.2 ? "HTTP/1.1 200 OK\r\n" : "";
  wire += extra;
  return {
    bytes: bytesOf(wire),
    feed,
    expected: {
      heads: [{ statusCode, statusMessage, rawHeaders, contentLength, keepAlive }],
      body,
      ended: true,
      extra: extra.length,
      failure: null,
      reusable: keepAlive && framing !== "close",
    },
  };
}

describe("ResponseParser random round trip", () => {
  it("hands on what was built for random valid responses read in random splits", () => {
    const random = seeded(0x5eed);
    for (let i = 0; i < 400; i++) {
      const { bytes, expected, feed } = randomResponse(random);
      expect(parsePieces([bytes], feed), `response ${i} whole`).toEqual(expected);
      for (let j = 0; j < 6; j++) {
        const at = randomCuts(random, bytes.byteLength, j < 3 ? 3 : 40);
        expect(parsePieces(cut(bytes, at), feed), `response ${i} split at ${at.join(",")}`).toEqual(
          expected,
        );
      }
    }
  });

  it("reads small random responses the same at every byte boundary", () => {
    const random = seeded(7);
    let checked = 0;
    while (checked < 60) {
      const { bytes, expected, feed } = randomResponse(random);
      if (bytes.byteLength > 600) continue;
      expect(parseEverySplit(bytes, feed)).toEqual(expected);
      checked++;
    }
  });
});

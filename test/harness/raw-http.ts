import net from "node:net";

/**
 * Raw HTTP/1.1 on sockets, for tests about the exact bytes of a request head: a visitor that
 * writes bytes Node's HTTP client refuses to send (CTLs, conflicting framing headers), and an
 * origin that records every byte it received and answers each request it parses with its path,
 * so a request smuggled inside another one's body is seen as a request of its own.
 */

/** What {@link rawExchange} read back: the status line's code, the head and the body. */
export interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * Writes `request` (Latin-1: one character per byte) and reads one response: up to its
 * Content-Length when it declares one, else until the edge closes the connection.
 */
export function rawExchange(port: number, request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let settled = false;
    // An answer that never ends would hang the test; the edge answers in well under this.
    const timer = setTimeout(() => socket.destroy(new Error("no answer within 20 s")), 20_000);
    const finish = (complete: boolean) => {
      const answer = parseAnswer(received, complete);
      if (!answer || settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      finish(false);
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      if (!settled) reject(error);
    });
    socket.on("close", () => finish(true));
    socket.write(typeof request === "string" ? Buffer.from(request, "latin1") : request);
  });
}

function parseAnswer(bytes: Buffer, closed: boolean): RawAnswer | null {
  const text = bytes.toString("latin1");
  const split = text.indexOf("\r\n\r\n");
  if (split < 0) return closed ? { status: 0, head: text, body: "" } : null;
  const head = text.slice(0, split);
  const body = text.slice(split + 4);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  // A 101 (WebSocket accepted) has no body: the socket now carries frames, the answer is the head.
  if (status === 101) return { status, head, body: "" };
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length !== undefined && body.length >= Number(length)) {
    return { status, head, body: body.slice(0, Number(length)) };
  }
  return closed ? { status, head, body } : null;
}

/** One request the raw origin parsed. */
export interface RawRequest {
  method: string;
  path: string;
  /** Header lines as received (Latin-1), names lowercased. */
  headers: Array<[string, string]>;
  body: Buffer;
}

/** How the raw origin answers a parsed request: extra header lines and the body. */
export type RawHandler = (request: RawRequest) => { headers?: string[]; body?: string };

/** A raw-socket origin on 127.0.0.1. */
export interface RawOrigin {
  url: URL;
  /** Every byte received, per connection, in arrival order. */
  readonly received: Buffer[][];
  /** Every request parsed, in order. */
  readonly requests: RawRequest[];
  /** All bytes received on every connection, as Latin-1 text. */
  allBytes(): string;
  close(): Promise<void>;
}

/**
 * Starts a keep-alive origin that frames requests the way RFC 9112 says an origin must:
 * Transfer-Encoding chunked first, then Content-Length, else no body. Each request is answered
 * `200` with body `answer:<path>` unless `handler` says otherwise.
 */
export async function startRawOrigin(handler?: RawHandler): Promise<RawOrigin> {
  const received: Buffer[][] = [];
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const log: Buffer[] = [];
    received.push(log);
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      log.push(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const parsed = parseRequest(pending);
        if (!parsed) return;
        pending = pending.subarray(parsed.consumed);
        requests.push(parsed.request);
        const answer = handler?.(parsed.request) ?? {};
        const body = answer.body ?? `answer:${parsed.request.path}`;
        const lines = [
          "HTTP/1.1 200 OK",
          `content-length: ${Buffer.byteLength(body, "latin1")}`,
          ...(answer.headers ?? []),
        ];
        socket.write(Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`, "latin1"));
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    received,
    requests,
    allBytes: () => received.map((log) => Buffer.concat(log).toString("latin1")).join(""),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Parses one request from the front of `bytes`, or null when it is not complete yet. */
function parseRequest(bytes: Buffer): { request: RawRequest; consumed: number } | null {
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const [method = "", path = ""] = (lines[0] ?? "").split(" ");
  const headers = lines.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  const header = (name: string) => headers.find(([n]) => n === name)?.[1];
  let offset = end + 4;
  let body: Buffer;
  if (header("transfer-encoding")?.toLowerCase().includes("chunked")) {
    const pieces: Buffer[] = [];
    for (;;) {
      const lineEnd = bytes.indexOf("\r\n", offset);
      if (lineEnd < 0) return null;
      const size = Number.parseInt(bytes.subarray(offset, lineEnd).toString("latin1"), 16);
      offset = lineEnd + 2;
      if (size === 0) {
        if (bytes.length < offset + 2) return null;
        offset += 2; // the blank line after the last chunk (no trailers are sent here)
        break;
      }
      if (bytes.length < offset + size + 2) return null;
      pieces.push(bytes.subarray(offset, offset + size));
      offset += size + 2;
    }
    body = Buffer.concat(pieces);
  } else {
    const length = Number(header("content-length") ?? 0);
    if (bytes.length < offset + length) return null;
    body = bytes.subarray(offset, offset + length);
    offset += length;
  }
  return { request: { method, path, headers, body: Buffer.from(body) }, consumed: offset };
}

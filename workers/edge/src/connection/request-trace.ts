import { type LoggedRequest, TUNNEL_FETCH_HEADERS } from "@burrow/tunnel-contract";
import type { ExchangeTrace } from "./http-proxy";

/** Bytes kept of each body while capture is on; the issue asks for 10 KiB. */
export const CAPTURE_LIMIT_BYTES = 10 * 1024;
/** Longest path (with query) kept, so a huge query cannot fill the log. */
export const MAX_PATH_CHARS = 2048;
/** Headers kept per side, and characters per value, so one entry stays a few KiB. */
const MAX_HEADERS = 64;
const MAX_HEADER_VALUE_CHARS = 512;
/** Values that are credentials: never written, whatever the capture setting. */
const REDACTED_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "cf-access-token",
  "cf-access-jwt-assertion",
  "cf-authorization",
  "x-api-key",
  "x-auth-token",
]);
/** Query parameters whose values look like secrets (…token, …secret, key, password, sig…). */
const SECRET_PARAM = /(token|secret|password|passwd|pwd|key|sig|signature|auth|session|code)$/i;
export const REDACTED = "[redacted]";

/** A finished request, as the log writes it. */
export type LogRow = Omit<LoggedRequest, "id">;

/** Where finished requests go: the Tunnel DO's log, or a connection object's shipper to it. */
export interface LogSink {
  /** Whether bodies are captured (the tunnel's capture switch). */
  readonly capture: boolean;
  /** Whether a request starting now is logged at all (a sink may sample a busy connection). */
  accepts?(): boolean;
  record(row: LogRow): void;
}

/** The part of a trace the proxy calls: bytes, head and end of the exchange. */
export interface Trace extends ExchangeTrace {
  readonly clientIp: string;
  /** The object answered `response` itself; returns it. */
  settle(response: Response): Response;
  /** The request went on to another connection, whose object logs it. */
  abandon(): void;
}

/** Starts tracing a visitor request that just reached the object (a no-op one if not logged). */
export function beginTrace(sink: LogSink, request: Request, clientIp: string): Trace {
  if (sink.accepts?.() === false) return new UnloggedTrace(clientIp);
  return new RequestTrace(sink, request, clientIp, sink.capture);
}

/** A request the log does not keep: the proxy still reports to it, and nothing is built. */
class UnloggedTrace implements Trace {
  readonly clientIp: string;
  constructor(clientIp: string) {
    this.clientIp = clientIp;
  }
  sent(): void {}
  received(): void {}
  answered(): void {}
  finished(): void {}
  settle(response: Response): Response {
    return response;
  }
  abandon(): void {}
}

/**
 * One request on its way through the object: counts its bytes, keeps the first 10 KiB of each body
 * when capture is on, and hands the finished row to the log exactly once.
 */
export class RequestTrace implements Trace {
  readonly #log: LogSink;
  readonly #startedAt = Date.now();
  readonly #method: string;
  readonly #path: string;
  readonly clientIp: string;
  readonly #requestHeaders: Array<[string, string]>;
  #responseHeaders: Array<[string, string]> = [];
  #status = 0;
  #connIndex: number | null = null;
  #requestBytes = 0;
  #responseBytes = 0;
  readonly #requestBody: BodyCapture | null;
  readonly #responseBody: BodyCapture | null;
  #answered = false;
  #recorded = false;

  constructor(log: LogSink, request: Request, clientIp: string, capture: boolean) {
    this.#log = log;
    this.#method = request.method;
    this.#path = loggedPath(request.url);
    this.clientIp = clientIp;
    this.#requestHeaders = loggedHeaders(request.headers);
    this.#requestBody = capture ? new BodyCapture() : null;
    this.#responseBody = capture ? new BodyCapture() : null;
  }

  sent(bytes: Uint8Array): void {
    this.#requestBytes += bytes.byteLength;
    this.#requestBody?.add(bytes);
  }

  received(bytes: Uint8Array): void {
    this.#responseBytes += bytes.byteLength;
    this.#responseBody?.add(bytes);
  }

  answered(status: number, headers: Headers, connIndex: number | null): void {
    this.#answered = true;
    this.#status = status;
    this.#connIndex = connIndex;
    this.#responseHeaders = loggedHeaders(headers);
  }

  finished(): void {
    // A stream cut before an acceptable head ends as the error page `settle` records.
    if (this.#answered) this.#record(null);
  }

  /** The object answered `response` itself: an error page unless the origin's head came back. */
  settle(response: Response): Response {
    if (!this.#answered) {
      this.#status = response.status;
      this.#responseHeaders = loggedHeaders(response.headers);
      this.#record(Number(response.headers.get("x-burrow-error")) || null);
    }
    return response;
  }

  /** The request went on to another connection, whose object logs it: nothing is recorded here. */
  abandon(): void {
    this.#recorded = true;
  }

  #record(error: number | null): void {
    if (this.#recorded) return;
    this.#recorded = true;
    const request = this.#requestBody?.text() ?? null;
    const response = this.#responseBody?.text() ?? null;
    this.#log.record({
      at: this.#startedAt,
      method: this.#method,
      path: this.#path,
      status: this.#status,
      durationMs: Math.max(0, Date.now() - this.#startedAt),
      requestBytes: this.#requestBytes,
      responseBytes: this.#responseBytes,
      clientIp: this.clientIp,
      connIndex: this.#connIndex,
      error,
      requestHeaders: this.#requestHeaders,
      responseHeaders: this.#responseHeaders,
      requestBody: request,
      responseBody: response,
      bodyTruncated: Boolean(this.#requestBody?.truncated || this.#responseBody?.truncated),
    });
  }
}

/** The first {@link CAPTURE_LIMIT_BYTES} of a body, copied as it streams past. */
class BodyCapture {
  readonly #chunks: Uint8Array[] = [];
  #kept = 0;
  truncated = false;

  add(bytes: Uint8Array): void {
    const room = CAPTURE_LIMIT_BYTES - this.#kept;
    if (bytes.byteLength > room) this.truncated = true;
    if (room <= 0) return;
    const slice = bytes.slice(0, room);
    this.#chunks.push(slice);
    this.#kept += slice.byteLength;
  }

  text(): string {
    const all = new Uint8Array(this.#kept);
    let offset = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, offset);
      offset += chunk.byteLength;
    }
    // `stream: true` leaves a multi-byte character cut at the 10 KiB boundary out, not mangled.
    return new TextDecoder().decode(all, { stream: true });
  }
}

/** Path and query of `url`, secret-looking query values redacted, capped in length. */
export function loggedPath(url: string): string {
  const parsed = new URL(url);
  for (const name of new Set(parsed.searchParams.keys())) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, REDACTED);
  }
  return `${parsed.pathname}${parsed.search}`.slice(0, MAX_PATH_CHARS);
}

/** The edge's own headers to the objects (TUNNEL_FETCH_HEADERS), never logged. */
const INTERNAL_HEADERS = new Set<string>(Object.values(TUNNEL_FETCH_HEADERS));

/** Headers as logged: credentials redacted, the edge's internal x-burrow-* headers left out. */
export function loggedHeaders(headers: Headers): Array<[string, string]> {
  const logged: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    if (INTERNAL_HEADERS.has(name) || name.startsWith("x-burrow-tunnel")) continue;
    if (logged.length >= MAX_HEADERS) break;
    const kept = REDACTED_HEADERS.has(name) ? REDACTED : value.slice(0, MAX_HEADER_VALUE_CHARS);
    logged.push([name, kept]);
  }
  return logged;
}

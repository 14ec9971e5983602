import {
  type LoggedRequest,
  type RequestLogPage,
  type RequestLogQuery,
  type TrafficMinute,
  TUNNEL_FETCH_HEADERS,
} from "@burrow/tunnel-contract";
import type { ExchangeTrace } from "./http-proxy";

/** Bytes kept of each body while capture is on; the issue asks for 10 KiB. */
export const CAPTURE_LIMIT_BYTES = 10 * 1024;
/** Longest path (with query) kept, so a huge query cannot fill the log. */
export const MAX_PATH_CHARS = 2048;
/** Headers kept per side, and characters per value, so one entry stays a few KiB. */
const MAX_HEADERS = 64;
const MAX_HEADER_VALUE_CHARS = 512;
/** The storage kv key of the capture switch (absent: off). */
export const CAPTURE_KEY = "request-log-capture";
/**
 * Finished requests wait in memory this long (or until this many) and are then written in one
 * synchronous batch: a SQLite write holds the object's outgoing messages until it is durable
 * (the output gate), so one write per second costs far less than one per request.
 */
const FLUSH_AFTER_MS = 1000;
const FLUSH_AT_ENTRIES = 64;

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
type Row = Omit<LoggedRequest, "id">;

/**
 * The Tunnel DO's log of the last `maxEntries` visitor requests, in the object's SQLite storage
 * (table `request_log`, created on first use; the oldest rows are deleted past the bound).
 * Bodies are kept only while capture is on for the tunnel, then at most 10 KiB each.
 */
export class RequestLog {
  readonly #storage: DurableObjectStorage;
  readonly #maxEntries: number;
  #tableReady = false;
  #capture: boolean | null = null;
  #pending: Row[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #discarded = false;

  constructor(storage: DurableObjectStorage, maxEntries: number) {
    this.#storage = storage;
    this.#maxEntries = Math.max(1, Math.floor(maxEntries) || 1000);
  }

  /** Whether bodies are captured (read once per object lifetime, then cached). */
  get capture(): boolean {
    this.#capture ??= this.#storage.kv.get(CAPTURE_KEY) === true;
    return this.#capture;
  }

  setCapture(enabled: boolean): boolean {
    if (enabled) this.#storage.kv.put(CAPTURE_KEY, true);
    else this.#storage.kv.delete(CAPTURE_KEY);
    this.#capture = enabled;
    return enabled;
  }

  /** Starts tracing a visitor request that just reached the object. */
  begin(request: Request, clientIp: string): RequestTrace {
    return new RequestTrace(this, request, clientIp, this.capture);
  }

  /** Queues a finished request; written within {@link FLUSH_AFTER_MS}. */
  record(row: Row): void {
    if (this.#discarded) return;
    this.#pending.push(row);
    if (this.#pending.length >= FLUSH_AT_ENTRIES) this.flush();
    else this.#flushTimer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  /**
   * Drops what waits to be written and records nothing more: called before the object's storage
   * is erased, so a late flush cannot create the table again in a deleted tunnel's storage.
   */
  discard(): void {
    this.#discarded = true;
    this.#pending = [];
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
  }

  /** Writes the queued requests and deletes the rows past the bound, in one synchronous batch. */
  flush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    if (this.#pending.length === 0) return;
    const rows = this.#pending.splice(0);
    const sql = this.#sql();
    let lastId = 0;
    for (const row of rows) {
      const cursor = sql.exec<{ id: number }>(
        `INSERT INTO request_log (at, method, path, status, duration_ms, request_bytes,
           response_bytes, client_ip, conn_index, error, request_headers, response_headers,
           request_body, response_body, body_truncated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        row.at,
        row.method,
        row.path,
        row.status,
        row.durationMs,
        row.requestBytes,
        row.responseBytes,
        row.clientIp,
        row.connIndex,
        row.error,
        JSON.stringify(row.requestHeaders),
        JSON.stringify(row.responseHeaders),
        row.requestBody,
        row.responseBody,
        row.bodyTruncated ? 1 : 0,
      );
      lastId = cursor.one().id;
    }
    // ids only grow (AUTOINCREMENT), so everything at or below lastId - max is the oldest.
    sql.exec("DELETE FROM request_log WHERE id <= ?", lastId - this.#maxEntries);
  }

  /** Entries newest first: older than `before`, or newer than `after` (the live list's poll). */
  list(query: RequestLogQuery): RequestLogPage {
    this.flush();
    const limit = Math.min(Math.max(1, Math.floor(query.limit) || 1), this.#maxEntries);
    const conditions: string[] = [];
    const bindings: number[] = [];
    if (query.before !== undefined) {
      conditions.push("id < ?");
      bindings.push(query.before);
    }
    if (query.after !== undefined) {
      conditions.push("id > ?");
      bindings.push(query.after);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
    const rows = this.#sql()
      .exec<StoredRow>(
        `SELECT * FROM request_log ${where} ORDER BY id DESC LIMIT ?`,
        ...bindings,
        limit,
      )
      .toArray();
    return { capture: this.capture, entries: rows.map(presentRow) };
  }

  /**
   * Per minute of the last `minutes` (oldest first): requests, status classes and nearest-rank
   * p50/p99 durations, in one SQL query over the log. The log is bounded by count, so a busy
   * tunnel's chart covers only its last `maxEntries` requests.
   */
  traffic(minutes: number, now = Date.now()): TrafficMinute[] {
    this.flush();
    const since = now - Math.min(Math.max(1, Math.floor(minutes) || 60), 24 * 60) * 60_000;
    return this.#sql()
      .exec<Record<keyof TrafficMinute, number>>(
        `WITH ranked AS (
           SELECT at / 60000 AS bucket, status, duration_ms,
             ROW_NUMBER() OVER (PARTITION BY at / 60000 ORDER BY duration_ms) AS rank,
             COUNT(*) OVER (PARTITION BY at / 60000) AS total
           FROM request_log WHERE at >= ?)
         SELECT bucket * 60000 AS minute, total AS requests,
           SUM(status BETWEEN 200 AND 299) AS status2xx, SUM(status BETWEEN 300 AND 399) AS status3xx,
           SUM(status BETWEEN 400 AND 499) AS status4xx, SUM(status BETWEEN 500 AND 599) AS status5xx,
           MAX(CASE WHEN rank = (total * 50 + 99) / 100 THEN duration_ms END) AS p50Ms,
           MAX(CASE WHEN rank = (total * 99 + 99) / 100 THEN duration_ms END) AS p99Ms
         FROM ranked GROUP BY bucket ORDER BY bucket`,
        since,
      )
      .toArray();
  }

  #sql(): SqlStorage {
    const sql = this.#storage.sql;
    if (!this.#tableReady) {
      sql.exec(`CREATE TABLE IF NOT EXISTS request_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL, request_bytes INTEGER NOT NULL, response_bytes INTEGER NOT NULL,
        client_ip TEXT NOT NULL, conn_index INTEGER, error INTEGER,
        request_headers TEXT NOT NULL, response_headers TEXT NOT NULL,
        request_body TEXT, response_body TEXT, body_truncated INTEGER NOT NULL DEFAULT 0)`);
      this.#tableReady = true;
    }
    return sql;
  }
}

type StoredRow = {
  id: number;
  at: number;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  request_bytes: number;
  response_bytes: number;
  client_ip: string;
  conn_index: number | null;
  error: number | null;
  request_headers: string;
  response_headers: string;
  request_body: string | null;
  response_body: string | null;
  body_truncated: number;
};

function presentRow(row: StoredRow): LoggedRequest {
  return {
    id: row.id,
    at: row.at,
    method: row.method,
    path: row.path,
    status: row.status,
    durationMs: row.duration_ms,
    requestBytes: row.request_bytes,
    responseBytes: row.response_bytes,
    clientIp: row.client_ip,
    connIndex: row.conn_index,
    error: row.error,
    requestHeaders: JSON.parse(row.request_headers),
    responseHeaders: JSON.parse(row.response_headers),
    requestBody: row.request_body,
    responseBody: row.response_body,
    bodyTruncated: row.body_truncated === 1,
  };
}

/**
 * One request on its way through the object: counts its bytes, keeps the first 10 KiB of each body
 * when capture is on, and hands the finished row to the log exactly once.
 */
export class RequestTrace implements ExchangeTrace {
  readonly #log: RequestLog;
  readonly #startedAt = Date.now();
  readonly #method: string;
  readonly #path: string;
  readonly #clientIp: string;
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

  constructor(log: RequestLog, request: Request, clientIp: string, capture: boolean) {
    this.#log = log;
    this.#method = request.method;
    this.#path = loggedPath(request.url);
    this.#clientIp = clientIp;
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
      clientIp: this.#clientIp,
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

/** Headers as logged: credentials redacted, the edge's internal x-burrow-* headers left out. */
export function loggedHeaders(headers: Headers): Array<[string, string]> {
  const logged: Array<[string, string]> = [];
  const internal = new Set<string>(Object.values(TUNNEL_FETCH_HEADERS));
  for (const [name, value] of headers) {
    if (internal.has(name) || name.startsWith("x-burrow-tunnel")) continue;
    if (logged.length >= MAX_HEADERS) break;
    const kept = REDACTED_HEADERS.has(name) ? REDACTED : value.slice(0, MAX_HEADER_VALUE_CHARS);
    logged.push([name, kept]);
  }
  return logged;
}

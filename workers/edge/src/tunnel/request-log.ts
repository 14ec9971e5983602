import type {
  LoggedRequest,
  RequestLogPage,
  RequestLogQuery,
  TrafficMinute,
} from "@burrow/tunnel-contract";
import { beginTrace, type LogRow, type LogSink, type Trace } from "../connection/request-trace";

/** The storage kv key of the capture switch (absent: off). */
export const CAPTURE_KEY = "request-log-capture";
/**
 * Finished requests wait in memory this long (or until this many) and are then written in one
 * synchronous batch: a SQLite write holds the object's outgoing messages until it is durable
 * (the output gate), so one write per second costs far less than one per request.
 */
const FLUSH_AFTER_MS = 1000;
const FLUSH_AT_ENTRIES = 64;

/**
 * The Tunnel DO's log of the last `maxEntries` visitor requests, in the object's SQLite storage
 * (table `request_log`, created on first use; the oldest rows are deleted past the bound).
 * Bodies are kept only while capture is on for the tunnel, then at most 10 KiB each. Rows come
 * from the tunnel's connection objects in batches ({@link recordBatch}) and from the Tunnel DO's
 * own answers (no connector, tunnel deleted).
 */
export class RequestLog implements LogSink {
  readonly #storage: DurableObjectStorage;
  readonly #maxEntries: number;
  #tableReady = false;
  #capture: boolean | null = null;
  #pending: LogRow[] = [];
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
  begin(request: Request, clientIp: string): Trace {
    return beginTrace(this, request, clientIp);
  }

  /** Queues a finished request; written within {@link FLUSH_AFTER_MS}. */
  record(row: LogRow): void {
    if (this.#discarded) return;
    this.#pending.push(row);
    if (this.#pending.length >= FLUSH_AT_ENTRIES) this.flush();
    else this.#flushTimer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  /** Writes a batch a connection object shipped, at once (it already waited to batch them). */
  recordBatch(rows: LogRow[]): void {
    if (this.#discarded) return;
    this.#pending.push(...rows);
    this.flush();
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

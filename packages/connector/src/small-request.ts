import http from "node:http";
import https from "node:https";

/** A small answer read whole: status, headers and body text. */
export interface SmallResponse {
  status: number;
  /** 2xx, as `fetch`'s `ok`. */
  ok: boolean;
  /** One header's value (lower-case name), the first when repeated. */
  header(name: string): string | undefined;
  text: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  json<T>(): T | null;
}

export interface SmallRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole exchange, connect to last byte. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Answers this long are not the small JSON the edge and the API send: the request fails. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * One HTTP(S) request whose answer is small enough to read whole, over node:http, for the
 * connector's few calls to the edge and the API (quick-tunnel mint, remote configuration polls,
 * tunnel lookups).
 *
 * Not `fetch`: Node's `fetch` is undici, which a process loads on its first call (its JavaScript
 * and a WebAssembly HTTP parser compiled on V8's worker threads) and keeps: ~12 MiB of resident
 * memory for the rest of the daemon's life (bare `node` 41 MiB, after one `fetch` 53 MiB), in a
 * connector whose data path already uses node:http and ws. Unlike `fetch`, redirects are not
 * followed (the edge's endpoints answer directly; its WebSocket connect does not follow them
 * either).
 */
export function smallRequest(url: URL, options: SmallRequestOptions): Promise<SmallResponse> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body, "utf8");
    const request = (url.protocol === "https:" ? https : http).request(url, {
      method: options.method ?? "GET",
      headers: {
        ...options.headers,
        ...(body ? { "content-length": String(body.byteLength) } : {}),
      },
      signal: options.signal,
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    request.on("error", fail);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on("data", (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (bytes > MAX_ANSWER_BYTES) {
          request.destroy(new Error(`answer longer than ${MAX_ANSWER_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on("error", fail);
      response.on("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString("utf8");
        const status = response.statusCode ?? 0;
        resolve({
          status,
          ok: status >= 200 && status < 300,
          header: (name) => {
            const value = response.headers[name.toLowerCase()];
            return Array.isArray(value) ? value[0] : value;
          },
          text,
          json: <T>() => {
            try {
              return JSON.parse(text) as T;
            } catch {
              return null;
            }
          },
        });
      });
    });
    request.end(body);
  });
}

import type { Header } from "@burrow/wire";
import type { Exchange } from "./store";

/**
 * A recorded request in the shape of ngrok's agent API (`GET /api/requests/http`), so tooling
 * written for ngrok's inspector reads it. `raw` is base64 of the message as HTTP/1.1 bytes with
 * the captured part of the body. Fields past ngrok's (`replay_of`, `burrow`) are additions, which
 * ngrok's API promises clients must tolerate.
 */
export interface NgrokRequest {
  uri: string;
  id: string;
  tunnel_name: string;
  remote_addr: string;
  start: string;
  /** Nanoseconds, as ngrok reports it; 0 while the request is running. */
  duration: number;
  request: {
    method: string;
    proto: string;
    headers: Record<string, string[]>;
    uri: string;
    raw: string;
  };
  response: {
    status: string;
    status_code: number;
    proto: string;
    headers: Record<string, string[]>;
    raw: string;
  } | null;
  replay_of: string | null;
  burrow: {
    state: Exchange["state"];
    error: string | null;
    conn_index: number | null;
    host: string | null;
    request_body: BodyInfo;
    response_body: BodyInfo | null;
  };
}

/** A body's size and whether the capture stopped short of it. */
export interface BodyInfo {
  size: number;
  captured: number;
  truncated: boolean;
}

/** The list's base URI, ngrok's `uri` field. */
export const REQUESTS_URI = "/api/requests/http";

/** The path and query of the visitor's URL (the edge sends it absolute). */
export function requestPath(exchange: Exchange): string {
  try {
    const url = new URL(exchange.head.url);
    return `${url.pathname}${url.search}`;
  } catch {
    return exchange.head.url;
  }
}

export function toNgrok(exchange: Exchange, tunnelName: string): NgrokRequest {
  const headers = exchange.head.headers;
  const path = requestPath(exchange);
  const requestBody = exchange.requestBody.bytes();
  const response = exchange.response;
  const statusLine = response ? `${response.status} ${response.statusText}`.trim() : "";
  return {
    uri: `${REQUESTS_URI}/${exchange.id}`,
    id: exchange.id,
    tunnel_name: tunnelName,
    remote_addr: headerValue(headers, "cf-connecting-ip") ?? "",
    start: new Date(exchange.startedAtMs).toISOString(),
    duration: exchange.durationNs ?? 0,
    request: {
      method: exchange.head.method,
      proto: "HTTP/1.1",
      headers: ngrokHeaders(headers),
      uri: path,
      raw: rawMessage(`${exchange.head.method} ${path} HTTP/1.1`, headers, requestBody),
    },
    response: response
      ? {
          status: statusLine,
          status_code: response.status,
          proto: "HTTP/1.1",
          headers: ngrokHeaders(response.headers),
          raw: rawMessage(`HTTP/1.1 ${statusLine}`, response.headers, response.body.bytes()),
        }
      : null,
    replay_of: exchange.replayOf,
    burrow: {
      state: exchange.state,
      error: exchange.error,
      conn_index: exchange.connIndex,
      host: headerValue(headers, "host"),
      request_body: bodyInfo(exchange.requestBody, requestBody.byteLength),
      response_body: response ? bodyInfo(response.body, response.body.bytes().byteLength) : null,
    },
  };
}

function bodyInfo(body: { size: number; truncated: boolean }, captured: number): BodyInfo {
  return { size: body.size, captured, truncated: body.truncated };
}

/** Go's canonical header names (`content-type` → `Content-Type`), values grouped as ngrok does. */
export function ngrokHeaders(headers: readonly Header[]): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of headers) {
    const canonical = name
      .toLowerCase()
      .split("-")
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join("-");
    const values = grouped[canonical] ?? [];
    values.push(value);
    grouped[canonical] = values;
  }
  return grouped;
}

function headerValue(headers: readonly Header[], name: string): string | null {
  return headers.find(([key]) => key.toLowerCase() === name)?.[1] ?? null;
}

function rawMessage(startLine: string, headers: readonly Header[], body: Buffer): string {
  const head = [startLine, ...headers.map(([name, value]) => `${name}: ${value}`), "", ""].join(
    "\r\n",
  );
  return Buffer.concat([Buffer.from(head, "latin1"), body]).toString("base64");
}

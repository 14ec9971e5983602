import type { Header } from "@burrow/wire";
import { connectionNominated, visitorHeaderValue, wireHeaderValue } from "./request-head";

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message, so they never
 * cross the tunnel; `upgrade` is re-added by the connector for WebSocket streams.
 */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Headers the edge sets for the Tunnel DO; stripped from every public request first. */
export const INTERNAL_HEADER_PREFIX = "x-burrow-";

/**
 * Cloudflare rejects request headers over 32 KiB in total (16 KiB for one header); the tunnel
 * answers 431 at the same limits rather than let a connector's origin see them.
 */
export const MAX_REQUEST_HEADER_BYTES = 32 * 1024;
export const MAX_SINGLE_HEADER_BYTES = 16 * 1024;

/** Total and largest header size, counted as on the wire (`name: value\r\n`). */
export function headerSizes(headers: Headers): { total: number; largest: number } {
  let total = 0;
  let largest = 0;
  for (const [name, value] of headers) {
    const size = name.length + value.length + 4;
    total += size;
    largest = Math.max(largest, size);
  }
  return { total, largest };
}

/** True when the request's headers are within the limits a tunnel accepts. */
export function headersFit(headers: Headers): boolean {
  const { total, largest } = headerSizes(headers);
  return total <= MAX_REQUEST_HEADER_BYTES && largest <= MAX_SINGLE_HEADER_BYTES;
}

/**
 * The headers a connector's origin sees: the visitor's, minus hop-by-hop ones, those the visitor's
 * `Connection` names and internal ones, plus X-Forwarded-For / X-Forwarded-Proto as cloudflared
 * sets them. Host stays the public hostname. Values travel as byte strings (request-head.ts), so
 * the origin gets the visitor's UTF-8 bytes, not a Latin-1 re-encoding of them.
 */
export function headersForOrigin(request: Request, clientIp: string): Header[] {
  const out: Header[] = [];
  const nominated = connectionNominated(request.headers.get("connection"));
  let forwardedFor = "";
  for (const [name, decoded] of request.headers) {
    if (HOP_BY_HOP.has(name) || name.startsWith(INTERNAL_HEADER_PREFIX)) continue;
    if (nominated.has(name) && name !== "host") continue;
    // The edge refused values it cannot carry before the request got here (request-head.ts).
    const value = wireHeaderValue(decoded);
    if (value === null) continue;
    if (name === "x-forwarded-for") {
      forwardedFor = value;
      continue;
    }
    if (name === "x-forwarded-proto") continue;
    out.push([name, value]);
  }
  if (!request.headers.has("host")) out.push(["host", new URL(request.url).host]);
  out.push(["x-forwarded-for", forwardedFor ? `${forwardedFor}, ${clientIp}` : clientIp]);
  out.push(["x-forwarded-proto", new URL(request.url).protocol.replace(":", "")]);
  return out;
}

/**
 * Builds response Headers from the origin's, dropping hop-by-hop ones and those the origin's
 * `Connection` names (RFC 9110 §7.6.1). Byte-string values are decoded back to the origin's
 * UTF-8; a value workerd cannot write as the origin sent it is dropped rather than altered.
 */
export function headersForVisitor(headers: Header[]): Headers {
  let connection: string | null = null;
  for (const [name, value] of headers) {
    if (name.toLowerCase() === "connection")
      connection = connection ? `${connection},${value}` : value;
  }
  const nominated = connectionNominated(connection);
  const out = new Headers();
  for (const [name, wire] of headers) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || nominated.has(lower)) continue;
    const value = visitorHeaderValue(wire);
    if (value !== null) out.append(name, value);
  }
  return out;
}

/** The Content-Length an origin declared, when it is a usable number; null for chunked bodies. */
export function contentLengthOf(headers: Headers): number | null {
  const declared = headers.get("content-length");
  return declared !== null && /^\d{1,15}$/.test(declared) ? Number(declared) : null;
}

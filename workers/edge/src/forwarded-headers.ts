import type { Header } from "@burrow/wire";

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
 * The headers a connector's origin sees: the visitor's, minus hop-by-hop and internal ones, plus
 * X-Forwarded-For / X-Forwarded-Proto as cloudflared sets them. Host stays the public hostname.
 */
export function headersForOrigin(request: Request, clientIp: string): Header[] {
  const out: Header[] = [];
  let forwardedFor = "";
  for (const [name, value] of request.headers) {
    if (HOP_BY_HOP.has(name) || name.startsWith(INTERNAL_HEADER_PREFIX)) continue;
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

/** Builds response Headers from the origin's, dropping hop-by-hop ones. */
export function headersForVisitor(headers: Header[]): Headers {
  const out = new Headers();
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) continue;
    out.append(name, value);
  }
  return out;
}

/** The Content-Length an origin declared, when it is a usable number; null for chunked bodies. */
export function contentLengthOf(headers: Headers): number | null {
  const declared = headers.get("content-length");
  return declared !== null && /^\d{1,15}$/.test(declared) ? Number(declared) : null;
}

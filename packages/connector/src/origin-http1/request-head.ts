import type { Header } from "@burrow/wire";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** node:http's rule for a header value: tabs, visible ASCII and obs-text; no CR, LF or NUL. */
const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
/** node:http's rule for a request target: no spaces, controls or characters past latin1. */
const INVALID_PATH_CHAR = /[^\u0021-\u00ff]/;

/** A request head that cannot be written; thrown like node:http's ERR_INVALID_* errors. */
export class InvalidRequestHead extends Error {}

/** How the request's body is framed on the wire. */
export type RequestBodyFraming = "none" | "length" | "chunked";

/**
 * The request head as bytes, after the checks node:http made before: a method that is a token,
 * a target without spaces or control characters, token names and values without CR, LF or NUL.
 * Each check keeps a visitor's header from splitting the head into two requests. The body's
 * framing headers come from request-framing.ts, which made Content-Length one decimal number.
 *
 * `keepAlive` adds `Connection: keep-alive` (or `close`) unless the headers name a Connection,
 * as node:http's agent did; the origins that answered it before see the same head.
 */
export function requestHead(
  method: string,
  path: string,
  headers: readonly Header[],
  keepAlive: boolean,
): { bytes: Buffer; framing: RequestBodyFraming; declaredBytes: number; closes: boolean } {
  if (!TOKEN.test(method)) throw new InvalidRequestHead(`invalid method ${JSON.stringify(method)}`);
  if (path.length === 0 || INVALID_PATH_CHAR.test(path)) {
    throw new InvalidRequestHead("request path contains unescaped characters");
  }
  let text = `${method} ${path} HTTP/1.1\r\n`;
  let framing: RequestBodyFraming = "none";
  let connection: string | null = null;
  let declaredBytes = 0;
  for (const [name, value] of headers) {
    if (!TOKEN.test(name))
      throw new InvalidRequestHead(`invalid header name ${JSON.stringify(name)}`);
    if (INVALID_VALUE_CHAR.test(value)) {
      throw new InvalidRequestHead(`invalid character in header ${JSON.stringify(name)}`);
    }
    const lower = name.toLowerCase();
    if (lower === "content-length") {
      framing = "length";
      declaredBytes = Number(value);
    } else if (lower === "transfer-encoding") framing = "chunked";
    else if (lower === "connection") connection = `${connection ?? ""},${value.toLowerCase()}`;
    text += `${name}: ${value}\r\n`;
  }
  if (connection === null)
    text += keepAlive ? "connection: keep-alive\r\n" : "connection: close\r\n";
  const closes = !keepAlive || (connection ?? "").split(",").some((t) => t.trim() === "close");
  text += "\r\n";
  return { bytes: Buffer.from(text, "latin1"), framing, declaredBytes, closes };
}

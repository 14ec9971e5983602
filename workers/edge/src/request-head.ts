/**
 * What a visitor's request head may carry into a tunnel, checked before anything is sent to a
 * connector. workerd's HTTP server already refuses some malformed heads itself (see
 * test/request-heads.e2e.test.ts); everything it lets through is checked here, because the
 * connector's HTTP client (Node) throws on bytes HTTP does not allow.
 */

/** RFC 9110 §5.6.2: a header name, a method and a subprotocol are `token`s of these characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A value of visible ASCII, space and tab only: the common case, carried as it is. */
const PLAIN_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * RFC 9110 §5.5 forbids CTLs other than HTAB, and DEL, in a field value. workerd decodes header
 * bytes as UTF-8 and turns bytes that are not UTF-8 (a lone 0xE9 or 0xFF) into U+FFFD, so the
 * visitor's original bytes are gone by the time a Worker sees them: such a value is refused too,
 * rather than forwarded altered.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNCARRIABLE_VALUE = /[\x00-\x08\x0a-\x1f\x7f\ufffd]/;

/** Host as RFC 9110 §7.2 allows it: a reg-name or an IPv6 literal, then an optional port. */
const HOST = /^(?:[a-z0-9._~!$&'()*+,;=-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** True when `value` is a Host header RFC 9110 §7.2 allows (a name or IPv6 literal, a port). */
export function isHost(value: string): boolean {
  return HOST.test(value);
}

/** True when `value` is an RFC 9110 token (header names, subprotocols). */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

/**
 * A header value as it travels on the wire: a byte string, one character per octet (what Node's
 * HTTP client writes as Latin-1, byte for byte). workerd hands values over as decoded UTF-8, so
 * they are encoded back to their bytes; null when the value cannot be carried faithfully.
 */
export function wireHeaderValue(value: string): string | null {
  if (PLAIN_VALUE.test(value)) return value;
  if (UNCARRIABLE_VALUE.test(value)) return null;
  return byteString(new TextEncoder().encode(value));
}

/**
 * The inverse of {@link wireHeaderValue} for values coming back from an origin: Node reads header
 * bytes as Latin-1, workerd writes a JS string as UTF-8, so the octets are decoded as UTF-8 to
 * leave the edge as the origin sent them. Bytes that are not UTF-8 (or a value that is already
 * wider than a byte string) cannot be written by workerd as they were; null drops the header.
 */
export function visitorHeaderValue(wire: string): string | null {
  if (PLAIN_VALUE.test(wire)) return wire;
  const bytes = new Uint8Array(wire.length);
  for (let i = 0; i < wire.length; i++) {
    const code = wire.charCodeAt(i);
    if (code > 0xff) return null;
    bytes[i] = code;
  }
  try {
    const decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    return UNCARRIABLE_VALUE.test(decoded) ? null : decoded;
  } catch {
    return null;
  }
}

/** Why a request head is refused with 400; the reason goes to logs, never to the visitor. */
export type HeadProblem =
  | "bad_host"
  | "bad_header_name"
  | "bad_header_value"
  | "length_and_chunked"
  | "bad_content_length"
  | "body_without_semantics"
  | "bad_subprotocol";

/**
 * Checks a visitor's request head: Host, every header name and value, the body's framing (RFC
 * 9112 §6.1: Content-Length together with Transfer-Encoding is how requests are smuggled past a
 * proxy, so it is refused) and a WebSocket upgrade's subprotocol list. Null when it may pass.
 */
export function requestHeadProblem(request: Request): HeadProblem | null {
  const headers = request.headers;
  // A Worker cannot build a GET or HEAD Request with a body (the constructor throws), and RFC 9110
  // §9.3.1 gives such a body no meaning; a body an origin might read as a next request is refused.
  if ((request.method === "GET" || request.method === "HEAD") && request.body !== null) {
    return "body_without_semantics";
  }
  const host = headers.get("host");
  if (host !== null && !isHost(host)) return "bad_host";
  for (const [name, value] of headers) {
    if (!isToken(name)) return "bad_header_name";
    if (wireHeaderValue(value) === null) return "bad_header_value";
  }
  const length = headers.get("content-length");
  if (length !== null) {
    if (headers.has("transfer-encoding")) return "length_and_chunked";
    if (!/^\d{1,15}$/.test(length)) return "bad_content_length";
  }
  const protocols = headers.get("sec-websocket-protocol");
  if (protocols !== null && subprotocols(protocols) === null) return "bad_subprotocol";
  return null;
}

/**
 * The subprotocols of a `Sec-WebSocket-Protocol` value (RFC 6455 §4.1: a list of distinct
 * tokens), or null when the list is malformed: empty members, non-tokens or repeats.
 */
export function subprotocols(value: string): string[] | null {
  const list = value.split(",").map((member) => member.trim());
  if (!list.every(isToken) || new Set(list).size !== list.length) return null;
  return list;
}

/**
 * Header names a `Connection` value nominates (RFC 9110 §7.6.1): they describe the one
 * connection they arrived on, so a proxy removes them before forwarding. Lowercase.
 */
export function connectionNominated(connection: string | null): Set<string> {
  const names = new Set<string>();
  if (!connection) return names;
  for (const member of connection.split(",")) {
    const name = member.trim().toLowerCase();
    if (name) names.add(name);
  }
  return names;
}

function byteString(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

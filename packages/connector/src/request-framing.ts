import type { Header } from "@burrow/wire";

/** How the request body is framed towards the origin, or why the head cannot be sent. */
export type RequestFraming =
  | { ok: true; headers: Header[]; declaredBytes: number | null }
  | { ok: false; reason: string };

/**
 * Decides the body's framing from the head: a body without a length is always sent chunked
 * (whatever Transfer-Encoding the head named), and Content-Length must be one decimal number, repeated
 * copies agreeing (RFC 9112 §6.3), and zero for a request without a body. Anything else is refused,
 * because an origin and this connector disagreeing on where a body ends is request smuggling.
 */
export function requestFraming(headers: readonly Header[], hasBody: boolean): RequestFraming {
  const kept: Header[] = [];
  let declared: string | null = null;
  for (const header of headers) {
    const lower = header[0].toLowerCase();
    if (lower === "transfer-encoding") continue;
    if (lower === "content-length") {
      for (const member of header[1].split(",")) {
        const value = member.trim();
        if (!/^\d{1,15}$/.test(value)) return { ok: false, reason: "invalid Content-Length" };
        if (declared !== null && Number(declared) !== Number(value)) {
          return { ok: false, reason: "conflicting Content-Length values" };
        }
        declared = value;
      }
      continue;
    }
    kept.push(header);
  }
  if (declared === null) {
    // Node frames a GET, HEAD, DELETE or OPTIONS body without any length unless told to chunk:
    // the origin would then read that body as the next request on the connection.
    if (hasBody) kept.push(["transfer-encoding", "chunked"]);
    return { ok: true, headers: kept, declaredBytes: null };
  }
  const declaredBytes = Number(declared);
  if (!hasBody && declaredBytes > 0) {
    return { ok: false, reason: "Content-Length without a request body" };
  }
  kept.push(["content-length", String(declaredBytes)]);
  return { ok: true, headers: kept, declaredBytes };
}

/** The members of a `Sec-WebSocket-Protocol` value, or null unless each is an RFC 9110 token. */
export function subprotocolList(value: string): string[] | null {
  const list = value.split(",").map((member) => member.trim());
  return list.every((member) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(member)) ? list : null;
}

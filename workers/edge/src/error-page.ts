/**
 * Error pages for visitors of a tunnel hostname. Browsers get HTML, API clients asking for JSON get
 * JSON; both carry a stable Burrow error number (1033 is the number cloudflared users know for
 * "the tunnel has no live connector").
 */
export const PUBLIC_ERRORS = {
  unknown_host: { status: 404, number: 1001, title: "Unknown tunnel hostname" },
  no_connector: { status: 530, number: 1033, title: "Tunnel error" },
  too_many_requests: { status: 429, number: 1015, title: "Too many requests in flight" },
  headers_too_large: { status: 431, number: 1034, title: "Request headers too large" },
  body_too_large: { status: 413, number: 1035, title: "Request body too large" },
  origin_failed: { status: 502, number: 1036, title: "Bad gateway" },
  tunnel_deleted: { status: 404, number: 1037, title: "Tunnel deleted" },
  bad_request: { status: 400, number: 1038, title: "Bad request" },
  connector_unresponsive: { status: 502, number: 1039, title: "Tunnel connection lost" },
  origin_timeout: { status: 524, number: 1040, title: "Origin timed out" },
} as const;
export type PublicErrorName = keyof typeof PUBLIC_ERRORS;

const DETAILS: Record<PublicErrorName, string> = {
  unknown_host: "No tunnel serves this hostname.",
  no_connector:
    "The tunnel exists but no connector is attached to it and answering right now. If you run this tunnel, " +
    "start `burrow tunnel` again and it will reconnect.",
  too_many_requests: "This tunnel is carrying as many requests as it allows. Retry shortly.",
  headers_too_large: "The request's headers exceed the size a tunnel accepts.",
  body_too_large: "The request's body exceeds the size a tunnel accepts.",
  origin_failed: "The connector could not get an answer from the origin behind this tunnel.",
  tunnel_deleted: "This tunnel was deleted after being disconnected for too long.",
  bad_request:
    "The request's head is not valid HTTP (its Host, a header name or value, its body framing or " +
    "its WebSocket subprotocols), so the tunnel does not forward it.",
  connector_unresponsive:
    "The connector carrying this request stopped answering, and no other connection of the " +
    "tunnel could take it. Retry shortly.",
  origin_timeout: "The origin behind this tunnel did not answer in time.",
};

/** Builds the visitor-facing error response; `detail` adds a safe, specific reason. */
export function publicError(
  name: PublicErrorName,
  request: Request,
  extraHeaders: Record<string, string> = {},
): Response {
  const { status, number, title } = PUBLIC_ERRORS[name];
  const headers = {
    "x-burrow-error": String(number),
    "cache-control": "no-store",
    ...extraHeaders,
  };
  const message = DETAILS[name];
  if ((request.headers.get("accept") ?? "").includes("application/json")) {
    return Response.json({ error: { number, title, message } }, { status, headers });
  }
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error ${number}: ${title}</title></head><body><h1>Error ${number}</h1><h2>${title}</h2><p>${message}</p><p><small>burrow</small></p></body></html>`;
  return new Response(html, {
    status,
    headers: { ...headers, "content-type": "text/html; charset=utf-8" },
  });
}

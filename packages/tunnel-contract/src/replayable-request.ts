/** Largest request body a VPC caller holds in memory so that it can be sent again. */
export const MAX_REPLAY_BODY_BYTES = 1024 * 1024;

/**
 * Copies of a VPC request for each connection tried: a body that declares at most
 * {@link MAX_REPLAY_BODY_BYTES} is held once and every copy carries it; a larger or undeclared one
 * streams, so only the first copy has it (`null` after that: no other connection can be tried).
 */
export async function replayableRequest(request: Request): Promise<() => Request | null> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (request.body !== null && !(declared <= MAX_REPLAY_BODY_BYTES)) {
    let taken = false;
    return () => {
      if (taken) return null;
      taken = true;
      return request;
    };
  }
  const body = request.body === null ? null : await request.arrayBuffer();
  return () => new Request(request.url, { method: request.method, headers: request.headers, body });
}

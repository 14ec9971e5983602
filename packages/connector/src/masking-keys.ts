import { isIP } from "node:net";

/**
 * Which masking keys the connector puts on its frames to `edge`: random ones, or all zeros.
 *
 * A WebSocket client masks every frame with a fresh random key (RFC 6455 §5.3) for one reason
 * (§10.3): a proxy on the path that does not understand WebSockets must never see bytes a third
 * party chose — here, an origin's response bodies — that it could take for an HTTP request and
 * cache the answer to. No such proxy sees the bytes of a TLS connection (`wss:`), and there is
 * none on loopback, so there the key is all zeros. That is still a masked frame, which any
 * server reads, and both ends skip the XOR pass over every byte: ws skips masking a zero key,
 * and kj's WebSocket, under workerd, skips unmasking one. Unmasking was ≈ 23 % of workerd's CPU
 * per downloaded MiB (perf, scripts/bench/README.md); masking ≈ 0.2 ms per MiB in the packaged
 * connector, which has no bufferutil. cloudflared's own transports, HTTP/2 and QUIC inside TLS,
 * carry body bytes unmasked too. A plain `ws:` connection to any other host keeps random keys.
 */
export function edgeMaskingKeys(edge: URL): "random" | "zero" {
  if (edge.protocol === "https:" || edge.protocol === "wss:") return "zero";
  return isLoopbackHost(edge.hostname) ? "zero" : "random";
}

/** ws's `generateMask` for zero keys: ws fills the key with this instead of random bytes. */
export function fillZeroKey(key: Buffer): void {
  key.fill(0);
}

/**
 * `localhost` and its subdomains (RFC 6761 keeps them on loopback), 127.0.0.0/8, `::1`, and
 * 127.0.0.0/8 mapped into IPv6, as the URL parser writes them (`[::ffff:7f00:1]`).
 */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "[::1]" || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host);
}

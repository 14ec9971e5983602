import type http from "node:http";
import type { Socket } from "node:net";
import { ResetCode } from "@burrow/wire";
import type { OriginHttp1Request } from "./origin-http1/origin-request";

/** How far an origin request got, which decides what its failure is reported as. */
export interface OriginRequestPhase {
  /** TLS to the origin (https, or a VPC service's TLS). */
  secure: boolean;
  /**
   * A VPC address override: the connector may try the service's next address, but only when
   * the connection itself failed, so a failure after connecting must say so.
   */
  override: boolean;
  /** cloudflared's `tlsTimeout`: the handshake alone gets its own, shorter budget. */
  tlsTimeoutMs: number;
  /** Whether the origin's response head has arrived. */
  responded: () => boolean;
}

/**
 * Reports `request`'s failures through `fail` by how far it got: no answer in time (524 at the
 * edge), unreachable (502, and for VPC the next address), a TLS handshake that failed or timed
 * out after connecting (not retried: an untrusted or misnamed certificate is not a refused
 * connection), or an answer cut off.
 */
export function reportOriginFailures(
  request: http.ClientRequest | OriginHttp1Request,
  phase: OriginRequestPhase,
  fail: (code: ResetCode, message: string) => void,
): void {
  const { secure, override } = phase;
  request.on("timeout", () => {
    if (!phase.responded()) fail(ResetCode.originTimeout, "origin did not answer in time");
  });
  let connected = false;
  let handshaken = !secure;
  request.on("socket", (socket: Socket) => {
    if (!socket.connecting) {
      connected = true;
      handshaken = true; // a kept-alive socket
      return;
    }
    socket.once("connect", () => {
      connected = true;
      if (!secure || override) return;
      const timer = setTimeout(() => {
        if (!handshaken) fail(ResetCode.originTimeout, "TLS handshake with the origin timed out");
      }, phase.tlsTimeoutMs);
      timer.unref();
      socket.once("close", () => clearTimeout(timer));
      socket.once("secureConnect", () => clearTimeout(timer));
    });
    if (secure) socket.once("secureConnect", () => (handshaken = true));
  });
  request.on("error", (error: NodeJS.ErrnoException) => {
    if (phase.responded()) {
      fail(ResetCode.internal, "origin response aborted");
    } else if (override && connected && !handshaken) {
      const code = error.code ? ` (${error.code})` : "";
      fail(ResetCode.internal, `TLS handshake with the origin failed: ${error.message}${code}`);
    } else if (override && connected) {
      fail(ResetCode.internal, `origin: ${error.message}`);
    } else {
      fail(ResetCode.originUnreachable, `origin: ${error.message}`);
    }
  });
}

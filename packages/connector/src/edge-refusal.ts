import { ConnectorError } from "./connector-error";

/** A quick tunnel (`burrow tunnel --url`) or a named one (`burrow tunnel run`). */
export type TunnelKind = "quick" | "named";

/** An error burrow recovers from by reconnecting. */
export function retryable(what: string, why: string): ConnectorError {
  return new ConnectorError(what, why, "burrow retries on its own", { retryable: true });
}

/** The envelope's stable error codes the connector acts on (packages/cf-api API_ERROR_CODES). */
const EDGE_ERROR_CODES = { unauthorized: 1002, tunnelDeleted: 1004 } as const;

/**
 * Turns the edge's refusal of the upgrade into a fatal or retryable error, by the envelope's
 * error code rather than the HTTP status, which a proxy in between may rewrite.
 */
export function refusal(status: number, body: string, kind: TunnelKind): ConnectorError {
  let reason = body.slice(0, 300);
  let codes: number[] = [];
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: number; message?: string }> };
    reason = parsed.errors?.map((e) => e.message).join("; ") || reason;
    codes = parsed.errors?.flatMap((e) => (typeof e.code === "number" ? [e.code] : [])) ?? [];
  } catch {
    // Not JSON: keep the text.
  }
  if (codes.includes(EDGE_ERROR_CODES.unauthorized)) {
    return new ConnectorError(
      "the edge refused the tunnel credentials",
      reason || "unknown tunnel or wrong secret",
      kind === "quick"
        ? "start a new quick tunnel (burrow tunnel --url …) or check the tunnel's credentials"
        : "the tunnel's secret may have been rotated: fetch a new token (burrow tunnel token <name>) or credentials file and run again",
    );
  }
  if (codes.includes(EDGE_ERROR_CODES.tunnelDeleted)) return tunnelDeleted(kind);
  return retryable(`the edge answered HTTP ${status}`, reason);
}

/** The fatal error of a deleted tunnel, whether the upgrade was refused or the edge closed 4410. */
export function tunnelDeleted(kind: TunnelKind): ConnectorError {
  return kind === "quick"
    ? new ConnectorError(
        "the tunnel was deleted",
        "quick tunnels are deleted after five minutes without a connection",
        "run burrow tunnel again to get a new quick tunnel",
      )
    : new ConnectorError(
        "tunnel deleted",
        "the tunnel was deleted through the API (DELETE …/cfd_tunnel/<id>)",
        "create it again (burrow tunnel create <name>) and run with its new credentials",
      );
}

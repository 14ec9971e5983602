import { ConnectorError } from "../connector-error";
import { ApiRequestError, ApiUnreachableError } from "./client";

/** Cloudflare's error numbers the CLI tells apart (../shared/CLOUDFLARE-COMPAT.md). */
export const API_CODES = {
  dnsRecordExists: 1003,
  tunnelNameTaken: 1013,
  tunnelHasConnections: 1022,
  authentication: 10000,
} as const;

/** The API's own words, for the "why" line. */
function apiWords(error: ApiRequestError): string {
  const messages = error.errors.map((entry) => `${entry.message} (code ${entry.code})`);
  return messages.length > 0 ? messages.join("; ") : `HTTP ${error.status}`;
}

/**
 * Turns a failed API call into what happened / why / how to fix. Command-specific codes (a taken
 * name, live connections, a routed hostname) are handled by the command first; this covers the
 * rest: auth (10000, 401/403), not found, an unreachable API, anything else.
 */
export function explainApiError(error: unknown, doing: string, apiUrl: URL): unknown {
  if (error instanceof ApiUnreachableError) {
    return new ConnectorError(
      `cannot ${doing}: the API at ${apiUrl.href} is unreachable`,
      (error.cause as Error)?.message ?? error.message,
      "check that the edge is running and that --api-url (TUNNEL_API_URL) or cert.pem's endpoint names it",
    );
  }
  if (!(error instanceof ApiRequestError)) return error;
  if (error.has(API_CODES.authentication) || error.status === 401 || error.status === 403) {
    return new ConnectorError(
      `cannot ${doing}: the API refused the token (Authentication error)`,
      apiWords(error),
      "run `burrow login --edge <url> --token <API token>` with a valid token that has the needed scopes (move the old cert.pem away first)",
    );
  }
  if (error.status === 404) {
    return new ConnectorError(
      `cannot ${doing}: not found`,
      apiWords(error),
      "check the tunnel's name or id with `burrow tunnel list`, and that --api-url names a Burrow API",
    );
  }
  return new ConnectorError(
    `cannot ${doing}: the API answered ${error.status}`,
    apiWords(error),
    error.status >= 500
      ? "try again; if it persists, check the edge's logs"
      : "check the arguments",
  );
}

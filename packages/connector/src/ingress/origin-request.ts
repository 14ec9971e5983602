/**
 * `originRequest`: how the connector talks to an origin, top-level defaults overridden per rule,
 * with cloudflared's names and defaults (cloudflared ingress/config.go).
 */
export interface OriginRequest {
  connectTimeoutMs: number;
  tlsTimeoutMs: number;
  noTLSVerify: boolean;
  /** Path of a PEM file of CAs trusted for this origin, on top of Node's. */
  caPool: string | null;
  /** SNI and the name the certificate must carry; default the service's hostname. */
  originServerName: string | null;
  /** Replaces the visitor's Host header towards the origin. */
  httpHostHeader: string | null;
  /** Sends request bodies with Content-Length only: a body without one is refused. */
  disableChunkedEncoding: boolean;
  /** Idle connections kept per origin. */
  keepAliveConnections: number;
  keepAliveTimeoutMs: number;
}

/** cloudflared's defaults: connectTimeout 30 s, tlsTimeout 10 s, keepAlive 100 idle for 90 s. */
export const DEFAULT_ORIGIN_REQUEST: OriginRequest = {
  connectTimeoutMs: 30_000,
  tlsTimeoutMs: 10_000,
  noTLSVerify: false,
  caPool: null,
  originServerName: null,
  httpHostHeader: null,
  disableChunkedEncoding: false,
  keepAliveConnections: 100,
  keepAliveTimeoutMs: 90_000,
};

/**
 * Keys cloudflared knows that Burrow accepts and does not act on yet (TCP options, proxies,
 * Access): a cloudflared config carrying them still loads, with a warning.
 */
const IGNORED_KEYS = new Set([
  "tcpKeepAlive",
  "noHappyEyeballs",
  "http2Origin",
  "proxyAddress",
  "proxyPort",
  "proxyType",
  "bastionMode",
  "access",
  "ipRules",
  "matchSNItoHost",
]);

/** A problem with one originRequest value; `where` names the rule or "top-level". */
export class OriginRequestError extends Error {}

/**
 * Overlays `raw` (an originRequest object from YAML or JSON) on `base`. Durations are Go
 * durations ("30s", "1m30s") or integer seconds (cloudflared's JSON form). Unknown keys are
 * reported through `warn`; a key of the wrong type throws {@link OriginRequestError}.
 */
export function mergeOriginRequest(
  base: OriginRequest,
  raw: unknown,
  warn: (message: string) => void,
): OriginRequest {
  if (raw === undefined || raw === null) return base;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new OriginRequestError("originRequest must be a mapping of options");
  }
  const out = { ...base };
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    switch (key) {
      case "connectTimeout":
        out.connectTimeoutMs = durationMs(key, value);
        break;
      case "tlsTimeout":
        out.tlsTimeoutMs = durationMs(key, value);
        break;
      case "keepAliveTimeout":
        out.keepAliveTimeoutMs = durationMs(key, value);
        break;
      case "noTLSVerify":
        out.noTLSVerify = bool(key, value);
        break;
      case "disableChunkedEncoding":
        out.disableChunkedEncoding = bool(key, value);
        break;
      case "caPool":
        out.caPool = text(key, value);
        break;
      case "originServerName":
        out.originServerName = text(key, value);
        break;
      case "httpHostHeader":
        out.httpHostHeader = text(key, value);
        break;
      case "keepAliveConnections": {
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
          throw new OriginRequestError(`${key} must be a whole number of connections, e.g. 100`);
        }
        out.keepAliveConnections = value;
        break;
      }
      default:
        warn(
          IGNORED_KEYS.has(key)
            ? `originRequest.${key} is not supported by burrow yet and is ignored`
            : `originRequest.${key} is not an option cloudflared knows; ignored`,
        );
    }
  }
  return out;
}

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration ("30s", "1m30s", "500ms") or integer seconds, in milliseconds. */
export function durationMs(key: string, value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value * 1000;
  if (typeof value === "string" && GO_DURATION.test(value)) {
    let total = 0;
    for (const [, amount, , unit] of value.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
      total += Number(amount) * UNIT_MS[unit!]!;
    }
    return Math.round(total);
  }
  throw new OriginRequestError(
    `${key} ${JSON.stringify(value)} is not a duration; write e.g. "30s" (YAML) or 30 (seconds, JSON)`,
  );
}

function bool(key: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new OriginRequestError(`${key} must be true or false`);
  return value;
}

function text(key: string, value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new OriginRequestError(`${key} must be a non-empty string`);
  }
  return value;
}

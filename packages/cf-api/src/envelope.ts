/**
 * The Cloudflare v4 API envelope: every answer is `{success, result, errors, messages}`.
 * cloudflared's quick-tunnel client parses exactly this, and its own weak spot is a plain-text 429
 * body, so Burrow's Workers answer every outcome, errors included, in this shape.
 */
export interface ApiErrorDetail {
  code: number;
  message: string;
}

/** Stable error codes per boundary: snake_case names clients can match on, with a numeric code. */
export const API_ERROR_CODES = {
  bad_request: 1000,
  not_found: 1001,
  rate_limited: 1015,
  unauthorized: 1002,
  conflict: 1003,
  tunnel_deleted: 1004,
  validation_failed: 1005,
  upstream_failed: 1006,
  payload_too_large: 1007,
  internal_error: 1099,
  // Cloudflare's own numbers, which cloudflared and wrangler users recognise.
  dns_record_exists: 1003,
  tunnel_name_taken: 1013,
  tunnel_has_connections: 1022,
  authentication_error: 10000,
} as const;
export type ApiErrorName = keyof typeof API_ERROR_CODES;

/** An error a Worker answers with; its message is for the client, never internal detail. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorName;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: ApiErrorName,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }

  /** The envelope's `errors` entry for this error. */
  get detail(): ApiErrorDetail {
    return { code: API_ERROR_CODES[this.code], message: `${this.code}: ${this.message}` };
  }
}

/**
 * The answer to a connector whose credentials were refused: an unknown tunnel and a wrong secret
 * get the same 401; a deleted tunnel 410, which the connector takes as "stop retrying".
 */
export function connectorRefusal(reason: "denied" | "deleted"): ApiError {
  return reason === "deleted"
    ? new ApiError(410, "tunnel_deleted", "this tunnel was deleted; start a new one")
    : new ApiError(401, "unauthorized", "unknown tunnel or wrong secret");
}

/** A successful envelope. */
export function successBody<T>(result: T) {
  return { success: true as const, result, errors: [] as ApiErrorDetail[], messages: [] };
}

/** `result_info` of a list answer; cloudflared pages until `count < per_page`. */
export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
}

/** A successful list envelope with exact paging. */
export function listBody<T>(result: T[], info: ResultInfo) {
  return { ...successBody(result), result_info: info };
}

/**
 * cloudflared parses an error body only when Content-Type is exactly `application/json`, without
 * `; charset=…` (CLOUDFLARE-COMPAT.md), so envelopes are sent with this header and nothing else.
 */
export const JSON_CONTENT_TYPE = "application/json";

/** An envelope as a Response whose Content-Type is exactly {@link JSON_CONTENT_TYPE}. */
export function envelopeResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, "content-type": JSON_CONTENT_TYPE },
  });
}

/** A message part quoting client input, cut so an error never echoes a large value back. */
export function quoted(value: unknown, maxChars = 64): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length <= maxChars ? `"${text}"` : `"${text.slice(0, maxChars)}…" (truncated)`;
}

/** A failed envelope; `result` is null as in Cloudflare's API. */
export function failureBody(errors: ApiErrorDetail[]) {
  return { success: false as const, result: null, errors, messages: [] };
}

/** Turns any thrown value into an envelope Response, logging what the client must not see. */
export function errorResponse(error: unknown, context: string): Response {
  if (error instanceof ApiError) {
    return envelopeResponse(failureBody([error.detail]), error.status, error.headers);
  }
  console.error(`${context}: unexpected error`, error);
  const internal = new ApiError(500, "internal_error", "the request could not be completed");
  return envelopeResponse(failureBody([internal.detail]), 500);
}

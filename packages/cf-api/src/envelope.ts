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
  internal_error: 1099,
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

/** A successful envelope. */
export function successBody<T>(result: T) {
  return { success: true as const, result, errors: [] as ApiErrorDetail[], messages: [] };
}

/** A failed envelope; `result` is null as in Cloudflare's API. */
export function failureBody(errors: ApiErrorDetail[]) {
  return { success: false as const, result: null, errors, messages: [] };
}

/** Turns any thrown value into an envelope Response, logging what the client must not see. */
export function errorResponse(error: unknown, context: string): Response {
  if (error instanceof ApiError) {
    return Response.json(failureBody([error.detail]), {
      status: error.status,
      headers: error.headers,
    });
  }
  console.error(`${context}: unexpected error`, error);
  const internal = new ApiError(500, "internal_error", "the request could not be completed");
  return Response.json(failureBody([internal.detail]), { status: 500 });
}

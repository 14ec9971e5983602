import { ApiError, quoted } from "@burrow/cf-api";

/**
 * Management bodies are small JSON documents; 1 MiB is far above any real one (a configuration
 * with thousands of ingress rules) and bounds what one call can make the Worker parse.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a JSON body of at most {@link MAX_BODY_BYTES}, streaming so a huge body is cut early. */
export async function jsonBody(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return undefined;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "bad_request", "the body must be JSON");
  }
}

function tooLarge(): ApiError {
  return new ApiError(413, "payload_too_large", `the body is larger than ${MAX_BODY_BYTES} bytes`);
}

/** A JSON object body, or a 400 naming what was expected. */
export async function objectBody(request: Request): Promise<Record<string, unknown>> {
  const body = await jsonBody(request);
  if (body === undefined) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "bad_request", "the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** Cloudflare's default and largest page sizes for tunnel lists. */
export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 1000;

/** `page` (from 1) and `per_page` of a list call, validated. */
export function pagingOf(query: (name: string) => string | undefined): {
  page: number;
  perPage: number;
} {
  const page = positiveInt(query("page"), "page", 1, Number.MAX_SAFE_INTEGER);
  const perPage = positiveInt(query("per_page"), "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE);
  return { page, perPage };
}

function positiveInt(raw: string | undefined, field: string, fallback: number, max: number) {
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ApiError(400, "validation_failed", `${field} ${quoted(raw)} must be 1-${max}`);
  }
  return value;
}

/** An RFC 3339 time parameter as ms, or undefined when absent. */
export function timeParam(raw: string | undefined, field: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) {
    throw new ApiError(400, "validation_failed", `${field} ${quoted(raw)} is not an RFC 3339 time`);
  }
  return at;
}

/** A tunnel, service or connector id. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

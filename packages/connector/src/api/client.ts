/**
 * A small client for Burrow's Cloudflare-v4-shaped management API, speaking to it as cloudflared's
 * `cfapi` package does: Bearer token, `Accept: application/json;version=1`, a 15 s timeout, the
 * `{success, errors, result, result_info}` envelope, and lists paged until a short page.
 */

/** cloudflared gives every API call 15 seconds (cfapi's `defaultTimeout`). */
export const API_TIMEOUT_MS = 15_000;
/** Items asked for per page when listing; the API allows up to 1,000. */
export const DEFAULT_PER_PAGE = 100;
/** A bound on pages fetched by one list, so a server that never sends a short page cannot loop us. */
const MAX_PAGES = 10_000;

/** One `errors[]` entry of the envelope. */
export interface ApiErrorEntry {
  code: number;
  message: string;
}

/** `result_info` of a list answer. */
export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
}

/**
 * A call the API answered with a failure (or something that is not the API's envelope). `codes`
 * are Cloudflare's numbers (1003, 1013, 1022, 10000, …) that pick the message the CLI prints.
 */
export class ApiRequestError extends Error {
  readonly status: number;
  readonly errors: ApiErrorEntry[];
  readonly method: string;
  readonly url: string;

  constructor(method: string, url: string, status: number, errors: ApiErrorEntry[]) {
    const detail = errors.map((error) => `${error.code}: ${error.message}`).join("; ");
    super(`${method} ${url} answered ${status}${detail ? ` (${detail})` : ""}`);
    this.name = "ApiRequestError";
    this.method = method;
    this.url = url;
    this.status = status;
    this.errors = errors;
  }

  /** Whether the API named this Cloudflare error code. */
  has(code: number): boolean {
    return this.errors.some((error) => error.code === code);
  }
}

/** The API could not be reached at all (refused, DNS, timeout). */
export class ApiUnreachableError extends Error {
  readonly url: string;

  constructor(url: string, cause: unknown) {
    super(`cannot reach ${url}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "ApiUnreachableError";
    this.url = url;
  }
}

interface Envelope<T> {
  success?: boolean;
  errors?: ApiErrorEntry[];
  result?: T;
  result_info?: ResultInfo;
}

/** Query values; undefined ones are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  /** The API's base, e.g. `http://127.0.0.1:8787/client/v4`. */
  baseUrl: URL;
  /** The API token (cert.pem's `apiToken`). */
  token: string;
  perPage?: number;
  timeoutMs?: number;
}

/** Calls the management API; one instance per command run. */
export class ApiClient {
  readonly baseUrl: URL;
  readonly #token: string;
  readonly #perPage: number;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    // A base without a trailing slash would lose its last segment when paths are resolved on it.
    this.baseUrl = new URL(options.baseUrl.href.replace(/\/*$/, "/"));
    this.#token = options.token;
    this.#perPage = options.perPage ?? DEFAULT_PER_PAGE;
    this.#timeoutMs = options.timeoutMs ?? API_TIMEOUT_MS;
  }

  /** The URL of `path` (relative to the base, e.g. `accounts/x/cfd_tunnel`) with `query`. */
  urlOf(path: string, query: Query = {}): URL {
    const url = new URL(path.replace(/^\/+/, ""), this.baseUrl);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  /** One call; resolves with `result`, throws {@link ApiRequestError} on a failure envelope. */
  async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    return (await this.#call<T>(method, this.urlOf(path, options.query), options.body)).result as T;
  }

  /**
   * Every item of a list, page by page, as cloudflared pages: it stops at a page shorter than
   * `per_page`, or once it holds `total_count` items.
   */
  async list<T>(path: string, query: Query = {}): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const url = this.urlOf(path, { ...query, page, per_page: this.#perPage });
      const envelope = await this.#call<T[]>("GET", url, undefined);
      const result = Array.isArray(envelope.result) ? envelope.result : [];
      items.push(...result);
      const info = envelope.result_info;
      if (result.length < this.#perPage) break;
      if (info && items.length >= info.total_count) break;
    }
    return items;
  }

  async #call<T>(method: string, url: URL, body: unknown): Promise<Envelope<T>> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: "application/json;version=1",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new ApiUnreachableError(url.href, error);
    }
    const text = await response.text();
    let envelope: Envelope<T> | null = null;
    if ((response.headers.get("content-type") ?? "").startsWith("application/json")) {
      try {
        envelope = JSON.parse(text) as Envelope<T>;
      } catch {
        envelope = null;
      }
    }
    if (!envelope || typeof envelope !== "object") {
      throw new ApiRequestError(method, url.href, response.status, [
        { code: 0, message: `not a v4 API answer: ${text.slice(0, 120)}` },
      ]);
    }
    if (!response.ok || envelope.success === false) {
      throw new ApiRequestError(method, url.href, response.status, envelope.errors ?? []);
    }
    return envelope;
  }
}

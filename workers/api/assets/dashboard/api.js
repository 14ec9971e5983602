import { clearSession, currentSession } from "./session.js";

/** The management API on the same origin; the dashboard is served beside it. */
export const API_BASE = "/client/v4";

/** An answer of the API that was not a success, with Cloudflare's `errors[]` kept. */
export class ApiCallError extends Error {
  /**
   * @param {number} status
   * @param {Array<{ code: number, message: string }>} errors
   */
  constructor(status, errors) {
    super(errors.map((error) => error.message).join("; ") || `the API answered ${status}`);
    this.name = "ApiCallError";
    this.status = status;
    this.errors = errors;
  }
}

/** Called with the API's message when a call answers 401: the session is over. */
let onSignedOut = (/** @type {string} */ _message) => {};

/** @param {(message: string) => void} handler */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

/**
 * Calls the API with the session's token (or `token`, while signing in). A 401 clears the
 * session and signs the page out, whatever page made the call.
 * @param {string} method
 * @param {string} path under /client/v4
 * @param {{ body?: unknown, token?: string }} [options]
 * @returns {Promise<{ result: any, result_info?: any }>}
 */
export async function api(method, path, options = {}) {
  const token = options.token ?? currentSession()?.token;
  if (!token) {
    onSignedOut("Sign in with an API token.");
    throw new ApiCallError(401, [{ code: 10000, message: "not signed in" }]);
  }
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${token}`, accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(API_BASE + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: "omit",
    cache: "no-store",
  });
  /** @type {any} */
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    envelope = null;
  }
  const errors = Array.isArray(envelope?.errors) ? envelope.errors : [];
  if (response.status === 401 && options.token === undefined) {
    clearSession();
    onSignedOut(errors[0]?.message ?? "Your API token is no longer valid.");
  }
  if (!response.ok || !envelope?.success) throw new ApiCallError(response.status, errors);
  return envelope;
}

/** The account-scoped path of the signed-in session. @param {string} rest */
export function accountPath(rest) {
  const session = currentSession();
  return `/accounts/${encodeURIComponent(session?.accountId ?? "")}${rest}`;
}

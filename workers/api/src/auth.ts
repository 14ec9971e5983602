import { ApiError } from "@burrow/cf-api";
import { type ApiToken, type ApiTokenScope, findApiTokenByHash } from "@burrow/registry";
import type { Context, MiddlewareHandler } from "hono";

/** Who is calling: the operator's ADMIN_TOKEN (every scope), or an API token of one account. */
export type Caller = { kind: "admin" } | { kind: "token"; token: ApiToken };

/** Hono's typing of this Worker: its bindings and the caller the auth middleware sets. */
export interface ApiEnv {
  Bindings: Env;
  Variables: { caller: Caller };
}

/** Cloudflare answers every auth failure with code 10000 "Authentication error". */
function authError(status: 401 | 403, message: string): ApiError {
  return new ApiError(status, "authentication_error", message);
}

/** Hex SHA-256 of a bearer token's UTF-8 bytes: the only form in which tokens are stored. */
export async function hashToken(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares two strings in constant time by their SHA-256 digests, so lengths may differ. */
async function sameToken(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

/** Requires `Authorization: Bearer <ADMIN_TOKEN or API token>` on every call. */
export const authenticate: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const given = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!given) throw authError(401, "send Authorization: Bearer <API token>");
  const admin = c.env.ADMIN_TOKEN;
  // Both checks always run, so the time taken does not say which kind of token was tried.
  const [isAdmin, token] = await Promise.all([
    admin ? sameToken(given, admin) : Promise.resolve(false),
    hashToken(given).then((hash) => findApiTokenByHash(c.env.DB, hash)),
  ]);
  if (isAdmin) c.set("caller", { kind: "admin" });
  else if (token && token.revokedAt === null) c.set("caller", { kind: "token", token });
  else if (token) throw authError(401, "this API token was revoked");
  else throw authError(401, "unknown API token");
  await next();
};

/** Edit scopes that include reading the same resources. */
const IMPLIED_BY: Partial<Record<ApiTokenScope, ApiTokenScope>> = {
  "tunnels:read": "tunnels:edit",
  "vpc:read": "vpc:edit",
};

/** Refuses a caller without `scope` (tunnels:edit implies tunnels:read, vpc:edit vpc:read). */
export function requireScope(c: Context<ApiEnv>, scope: ApiTokenScope): void {
  const caller = c.get("caller");
  if (caller.kind === "admin") return;
  const scopes = caller.token.scopes;
  if (scopes.includes(scope)) return;
  const implied = IMPLIED_BY[scope];
  if (implied && scopes.includes(implied)) return;
  throw authError(403, `this API token lacks the ${scope} scope`);
}

/**
 * Refuses an account id other than this deployment's, and a token of another account. Burrow
 * has one account per deployment, so a foreign id is never a resource the caller may see.
 */
export function requireAccount(c: Context<ApiEnv>, accountId: string): void {
  const caller = c.get("caller");
  const own = caller.kind === "admin" ? c.env.ACCOUNT_TAG : caller.token.accountTag;
  if (accountId !== own || accountId !== c.env.ACCOUNT_TAG) {
    throw authError(403, "this token cannot access that account");
  }
}

/** Refuses a zone id other than this deployment's zone. */
export function requireZone(c: Context<ApiEnv>, zoneId: string): void {
  const caller = c.get("caller");
  const account = caller.kind === "admin" ? c.env.ACCOUNT_TAG : caller.token.accountTag;
  if (zoneId !== c.env.ZONE_ID || account !== c.env.ACCOUNT_TAG) {
    throw authError(403, "this token cannot access that zone");
  }
}

import { listBody, successBody } from "@burrow/cf-api";
import { Hono } from "hono";
import type { ApiEnv } from "./auth";

/**
 * The deployment's one account and zone, listed as Cloudflare lists them, plus the token
 * verification calls wrangler makes (`/user/tokens/verify` decides "User" vs "Account API Token",
 * `/memberships` is read for account roles).
 */
export const accounts = new Hono<ApiEnv>();

const one = <T>(item: T) => listBody([item], { page: 1, per_page: 20, count: 1, total_count: 1 });

function account(env: Env) {
  return {
    id: env.ACCOUNT_TAG,
    name: env.ACCOUNT_NAME,
    type: "standard",
    settings: { enforce_twofactor: false },
    created_on: "2026-04-20T00:00:00Z",
  };
}

function zone(env: Env) {
  return {
    id: env.ZONE_ID,
    name: env.ZONE,
    status: "active",
    paused: false,
    type: "full",
    account: { id: env.ACCOUNT_TAG, name: env.ACCOUNT_NAME },
    name_servers: [],
    created_on: "2026-04-20T00:00:00Z",
  };
}

accounts.get("/accounts", (c) => c.json(one(account(c.env))));
accounts.get("/accounts/:account_id", (c) => {
  if (c.req.param("account_id") !== c.env.ACCOUNT_TAG) return c.notFound();
  return c.json(successBody(account(c.env)));
});
accounts.get("/zones", (c) => c.json(one(zone(c.env))));
accounts.get("/zones/:zone_id", (c) => {
  if (c.req.param("zone_id") !== c.env.ZONE_ID) return c.notFound();
  return c.json(successBody(zone(c.env)));
});
accounts.get("/memberships", (c) =>
  c.json(
    one({
      id: c.env.ACCOUNT_TAG,
      status: "accepted",
      account: { id: c.env.ACCOUNT_TAG, name: c.env.ACCOUNT_NAME },
      roles: ["Administrator"],
    }),
  ),
);

/** Cloudflare's verify answer; the authenticate middleware has already checked the token. */
function verified(c: { get: (key: "caller") => ApiEnv["Variables"]["caller"] }) {
  const caller = c.get("caller");
  return successBody({
    id: caller.kind === "admin" ? "admin" : caller.token.id,
    status: "active",
  });
}

accounts.get("/user/tokens/verify", (c) => c.json(verified(c)));
accounts.get("/accounts/:account_id/tokens/verify", (c) => c.json(verified(c)));

import { ApiError, listBody, quoted, successBody } from "@burrow/cf-api";
import {
  API_TOKEN_SCOPES,
  type ApiToken,
  type ApiTokenScope,
  createApiToken,
  listApiTokens,
  revokeApiToken,
} from "@burrow/registry";
import { Hono } from "hono";
import { type ApiEnv, hashToken, requireAccount, requireScope } from "./auth";
import { objectBody } from "./request";
import { base64 } from "./tunnel-secret";

/**
 * `/client/v4/accounts/{account_id}/tokens`: Cloudflare's account-owned API tokens (the
 * `/user/tokens` shape would need a user; a Burrow deployment has only its account). The value is
 * returned once, by create; only its SHA-256 is stored.
 */
export const tokens = new Hono<ApiEnv>();

tokens.use("*", async (c, next) => {
  requireAccount(c, c.req.param("account_id") ?? "");
  requireScope(c, "tokens:edit");
  await next();
});

function present(token: ApiToken) {
  return {
    id: token.id,
    name: token.name,
    status: token.revokedAt === null ? "active" : "revoked",
    scopes: token.scopes,
    issued_on: new Date(token.createdAt).toISOString(),
    revoked_on: token.revokedAt === null ? null : new Date(token.revokedAt).toISOString(),
  };
}

tokens.get("/", async (c) => {
  const all = (await listApiTokens(c.env.DB, c.env.ACCOUNT_TAG)).map(present);
  return c.json(
    listBody(all, { page: 1, per_page: all.length, count: all.length, total_count: all.length }),
  );
});

tokens.post("/", async (c) => {
  const body = await objectBody(c.req.raw);
  if (typeof body.name !== "string" || body.name.trim() === "" || body.name.length > 120) {
    throw new ApiError(400, "validation_failed", "name must be a string of 1-120 characters");
  }
  if (!Array.isArray(body.scopes) || body.scopes.length === 0) {
    throw new ApiError(
      400,
      "validation_failed",
      `scopes must list some of ${API_TOKEN_SCOPES.join(", ")}`,
    );
  }
  for (const scope of body.scopes) {
    if (!API_TOKEN_SCOPES.includes(scope as ApiTokenScope)) {
      throw new ApiError(
        400,
        "validation_failed",
        `scope ${quoted(scope)} is not one of ${API_TOKEN_SCOPES.join(", ")}`,
      );
    }
  }
  // 30 random bytes → 40 base64url characters, the length of Cloudflare's own tokens.
  const value = base64(crypto.getRandomValues(new Uint8Array(30)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
  const token = await createApiToken(c.env.DB, {
    id: crypto.randomUUID().replace(/-/g, ""),
    accountTag: c.env.ACCOUNT_TAG,
    name: body.name,
    scopes: [...new Set(body.scopes as ApiTokenScope[])],
    tokenHash: await hashToken(value),
    createdAt: Date.now(),
  });
  return c.json(successBody({ ...present(token), value }));
});

tokens.delete("/:token_id", async (c) => {
  const id = c.req.param("token_id");
  if (!(await revokeApiToken(c.env.DB, c.env.ACCOUNT_TAG, id, Date.now()))) {
    throw new ApiError(404, "not_found", `no active token ${quoted(id)}`);
  }
  return c.json(successBody({ id }));
});

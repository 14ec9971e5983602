import { ApiError, listBody, quoted } from "@burrow/cf-api";
import { listAccountAudit } from "@burrow/registry";
import { Hono } from "hono";
import { type ApiEnv, requireAccount, requireScope } from "./auth";
import { pagingOf } from "./request";

/**
 * `/client/v4/accounts/{account_id}/audit_logs`: the registry's audit trail of the account's
 * tunnels (created, registered, routes, secrets rotated, VPC services …), newest first, read-only.
 * Shaped after Cloudflare's account audit logs (`action.type`, `resource`, `when`); rows record
 * names and ids only, never a secret or a token.
 */
export const auditLogs = new Hono<ApiEnv>();

auditLogs.use("*", async (c, next) => {
  requireAccount(c, c.req.param("account_id") ?? "");
  requireScope(c, "tunnels:read");
  await next();
});

auditLogs.get("/", async (c) => {
  const { page, perPage } = pagingOf((name) => c.req.query(name));
  const direction = c.req.query("direction") ?? "desc";
  if (direction !== "desc") {
    // Newest first is what an operator reads; one order keeps the index-backed query simple.
    throw new ApiError(400, "validation_failed", `direction ${quoted(direction)} must be desc`);
  }
  const { entries, totalCount } = await listAccountAudit(c.env.DB, c.env.ACCOUNT_TAG, {
    offset: (page - 1) * perPage,
    limit: perPage,
  });
  const result = entries.map((entry) => ({
    id: String(entry.id),
    action: { type: entry.event, result: true },
    resource: { type: "cfd_tunnel", id: entry.tunnelId, name: entry.tunnelName },
    when: new Date(entry.at).toISOString(),
    metadata: entry.detail,
  }));
  return c.json(
    listBody(result, { page, per_page: perPage, count: result.length, total_count: totalCount }),
  );
});

/** What an API token may do; ADMIN_TOKEN may do everything. */
export const API_TOKEN_SCOPES = [
  "tunnels:read",
  "tunnels:edit",
  "dns:edit",
  "vpc:read",
  "vpc:edit",
  "tokens:edit",
] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

/** A stored API token; the value itself is never stored, only its SHA-256. */
export interface ApiToken {
  id: string;
  accountTag: string;
  name: string;
  scopes: ApiTokenScope[];
  createdAt: number;
  revokedAt: number | null;
}

interface ApiTokenRow {
  id: string;
  account_tag: string;
  name: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

const API_TOKEN_COLUMNS = "id, account_tag, name, scopes, created_at, revoked_at";

/** Stores a new token under the hex SHA-256 of its value. */
export async function createApiToken(
  db: D1Database,
  token: Omit<ApiToken, "revokedAt"> & { tokenHash: string },
): Promise<ApiToken> {
  await db
    .prepare(
      `INSERT INTO api_tokens (id, account_tag, name, token_hash, scopes, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
    )
    .bind(
      token.id,
      token.accountTag,
      token.name,
      token.tokenHash,
      JSON.stringify(token.scopes),
      token.createdAt,
    )
    .run();
  const { tokenHash: _, ...stored } = token;
  return { ...stored, revokedAt: null };
}

/**
 * The token whose value hashes to `tokenHash`, revoked ones included (check `revokedAt`). Looking
 * a token up by its digest tells nothing about the value, so no constant-time compare is needed.
 */
export async function findApiTokenByHash(
  db: D1Database,
  tokenHash: string,
): Promise<ApiToken | null> {
  const row = await db
    .prepare(`SELECT ${API_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?1`)
    .bind(tokenHash)
    .first<ApiTokenRow>();
  return row === null ? null : toApiToken(row);
}

/** An account's tokens, oldest first, revoked ones included. */
export async function listApiTokens(db: D1Database, accountTag: string): Promise<ApiToken[]> {
  const { results } = await db
    .prepare(
      `SELECT ${API_TOKEN_COLUMNS} FROM api_tokens WHERE account_tag = ?1 ORDER BY created_at, id`,
    )
    .bind(accountTag)
    .all<ApiTokenRow>();
  return results.map(toApiToken);
}

/** Revokes a token of the account; false when there is none (or it was revoked already). */
export async function revokeApiToken(
  db: D1Database,
  accountTag: string,
  id: string,
  at: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE api_tokens SET revoked_at = ?3
       WHERE id = ?1 AND account_tag = ?2 AND revoked_at IS NULL`,
    )
    .bind(id, accountTag, at)
    .run();
  return result.meta.changes > 0;
}

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    accountTag: row.account_tag,
    name: row.name,
    scopes: JSON.parse(row.scopes) as ApiTokenScope[],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * What a soft-deleted tunnel's row holds as its secret once purged: never a valid hex SHA-256, so
 * secretMatches answers false for every secret.
 */
export const PURGED_SECRET_HASH = "";

/**
 * The purge's statement, exported so a test can EXPLAIN it. It binds two parameters (cutoff and
 * row limit), far under D1's 100, and every term matches the partial index tunnels_secret_purge.
 */
export const PURGE_DELETED_SECRETS_SQL = `UPDATE tunnels SET secret_hash = '${PURGED_SECRET_HASH}'
  WHERE id IN (
    SELECT id FROM tunnels
    WHERE deleted_at IS NOT NULL AND secret_hash <> '${PURGED_SECRET_HASH}' AND deleted_at < ?1
    ORDER BY deleted_at
    LIMIT ?2)
  RETURNING id`;

/**
 * Erases the secret hash of tunnels soft-deleted before `deletedBefore`, at most `limit` rows per
 * statement and `maxStatements` statements, oldest deletion first; the rest of the row stays, so
 * the edge still answers for the tunnel and the audit log still refers to it. Each statement is
 * its own short write (D1 runs one query at a time). Returns the purged ids, the statements run
 * and whether rows are left for another call.
 */
export async function purgeDeletedSecrets(
  db: D1Database,
  options: { deletedBefore: number; limit: number; maxStatements: number },
): Promise<{ purged: string[]; statements: number; leftOver: boolean }> {
  const purged: string[] = [];
  let statements = 0;
  while (statements < options.maxStatements) {
    const { results } = await db
      .prepare(PURGE_DELETED_SECRETS_SQL)
      .bind(options.deletedBefore, options.limit)
      .all<{ id: string }>();
    statements++;
    for (const row of results) purged.push(row.id);
    if (results.length < options.limit) return { purged, statements, leftOver: false };
  }
  return { purged, statements, leftOver: statements > 0 };
}

import { purgeDeletedSecrets } from "@burrow/registry";
import type { ReaperConfig } from "./reaper-config";
import type { SubrequestBudget } from "./subrequest-budget";

/** Rows one purge statement rewrites: a short write, as D1 runs one query at a time. */
const PURGE_ROWS_PER_STATEMENT = 500;
/** Purge statements per run; 10,000 rows a minute outpaces any rate of deletion. */
const PURGE_MAX_STATEMENTS = 20;

/**
 * Retention: erases the secret hash of tunnels soft-deleted more than `purgeSecretAfterMs` ago,
 * with what is left of the run's subrequest budget after reaping (one subrequest per statement).
 * The row stays (the edge still answers 410 or 401 for it, the audit log refers to it). Returns
 * how many were purged; what the budget did not cover waits for the next run.
 */
export async function purgeExpiredSecrets(
  db: D1Database,
  now: number,
  config: ReaperConfig,
  budget: SubrequestBudget,
): Promise<number> {
  const statements = Math.min(PURGE_MAX_STATEMENTS, budget.remaining);
  if (statements <= 0) return 0;
  try {
    const done = await purgeDeletedSecrets(db, {
      deletedBefore: now - config.purgeSecretAfterMs,
      limit: PURGE_ROWS_PER_STATEMENT,
      maxStatements: statements,
    });
    budget.take(done.statements);
    return done.purged.length;
  } catch (error) {
    // How many statements ran before the failure is unknown: count them all.
    budget.take(statements);
    console.error(
      "reaper: purging the secrets of deleted tunnels failed; retrying next run",
      error,
    );
    return 0;
  }
}

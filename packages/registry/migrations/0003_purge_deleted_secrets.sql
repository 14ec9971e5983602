-- A soft-deleted tunnel keeps its row (the edge answers 410 to its connector, the audit log refers
-- to it), but not its secret hash forever: the reaper overwrites secret_hash with '' once the
-- tunnel has been deleted for its retention period (PURGE_SECRET_AFTER_DAYS, workers/reaper).
-- An empty hash never matches a secret (secretMatches wants 64 hex digits). The column stays
-- NOT NULL, so no table rebuild is needed.

-- The purge's query: deleted_at < cutoff among rows whose hash is still there, oldest first.
-- Partial, so live tunnels and already-purged ones cost nothing to skip.
CREATE INDEX tunnels_secret_purge ON tunnels (deleted_at)
  WHERE deleted_at IS NOT NULL AND secret_hash <> '';

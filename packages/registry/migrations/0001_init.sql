-- Burrow registry, first schema. Applied by `wrangler d1 migrations apply DB` from any Worker whose
-- wrangler.toml points `migrations_dir` here, and by the tests through applyD1Migrations().
-- D1 runs SQLite with foreign keys enforced, so the ON DELETE CASCADE clauses below do the work.
-- All timestamps are milliseconds since the Unix epoch.

CREATE TABLE tunnels (
  id TEXT PRIMARY KEY,
  account_tag TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('quick', 'named')),
  -- Hex SHA-256 of the raw 32 secret bytes; the secret itself is never stored.
  secret_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  deleted_at INTEGER,
  -- Set to created_at on insert (never connected counts as inactive since creation), NULL while at
  -- least one connection is live, and the close time of the last connection after that.
  conns_inactive_at INTEGER
);

-- The reaper's query: kind = 'quick' AND deleted_at IS NULL AND conns_inactive_at < ?, oldest
-- first. Partial so that connected (NULL) and deleted tunnels cost nothing to skip.
CREATE INDEX tunnels_reap ON tunnels (kind, conns_inactive_at)
  WHERE deleted_at IS NULL AND conns_inactive_at IS NOT NULL;

CREATE TABLE dns_records (
  -- Lowercase; the primary key is the unique index the edge's hostname lookup uses.
  hostname TEXT PRIMARY KEY,
  tunnel_id TEXT NOT NULL REFERENCES tunnels (id) ON DELETE CASCADE,
  type TEXT NOT NULL DEFAULT 'CNAME',
  content TEXT NOT NULL,
  -- The id of the real record in the Cloudflare zone, when API credentials are configured.
  zone_record_id TEXT,
  created_at INTEGER NOT NULL
);

-- Serves listDnsRecords() and keeps the cascade from scanning the table on every tunnel delete.
CREATE INDEX dns_records_tunnel ON dns_records (tunnel_id);

CREATE TABLE vpc_services (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type = 'http'),
  tunnel_id TEXT NOT NULL REFERENCES tunnels (id) ON DELETE CASCADE,
  -- JSON: the Workers VPC service shape (type, name, http_port, https_port, host, tls_settings).
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX vpc_services_tunnel ON vpc_services (tunnel_id);

-- No foreign key on purpose: the audit trail must outlive the tunnel it describes.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tunnel_id TEXT NOT NULL,
  event TEXT NOT NULL,
  detail TEXT,
  at INTEGER NOT NULL
);

CREATE INDEX audit_log_tunnel ON audit_log (tunnel_id, at);

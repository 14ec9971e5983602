-- Named tunnels: the columns Cloudflare's tunnel object carries, API tokens, versioned remote
-- configurations, and TCP VPC services. Timestamps are milliseconds since the Unix epoch.

-- When the tunnel last went from no live connection to one (Cloudflare's conns_active_at);
-- NULL = never connected, which is what makes a tunnel "inactive" rather than "down".
ALTER TABLE tunnels ADD COLUMN conns_active_at INTEGER;
-- 'local' (the connector's config file) or 'cloudflare' (PUT /configurations), as Cloudflare.
ALTER TABLE tunnels ADD COLUMN config_src TEXT NOT NULL DEFAULT 'local'
  CHECK (config_src IN ('local', 'cloudflare'));
-- The tunnel secret sealed with AES-GCM under the API Worker's TUNNEL_SECRET_KEY, so GET /token
-- can rebuild the token; NULL when no key was configured (the token is then shown once).
ALTER TABLE tunnels ADD COLUMN secret_sealed TEXT;

-- Cloudflare refuses a second live tunnel with the same name in one account (error 1013). Deleted
-- tunnels keep their name, so the uniqueness only covers live rows.
CREATE UNIQUE INDEX tunnels_live_name ON tunnels (account_tag, name) WHERE deleted_at IS NULL;

-- API tokens made through /client/v4/accounts/{account}/tokens. Only the SHA-256 of the value is
-- kept; the value is shown once, at creation.
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  account_tag TEXT NOT NULL,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  -- JSON array of scope names, e.g. ["tunnels:read","dns:edit"].
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

CREATE INDEX api_tokens_account ON api_tokens (account_tag, created_at);

-- Remotely managed configuration (PUT /cfd_tunnel/{id}/configurations); every PUT is a new version.
CREATE TABLE tunnel_configurations (
  tunnel_id TEXT NOT NULL REFERENCES tunnels (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  -- JSON: {ingress: [...], originRequest?: {...}}, validated by the API Worker.
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tunnel_id, version)
);

-- vpc_services accepted only type 'http'; SQLite cannot alter a CHECK, so the table is rebuilt.
-- Nothing references vpc_services, so dropping the old table breaks no foreign key.
CREATE TABLE vpc_services_v2 (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('http', 'tcp')),
  tunnel_id TEXT NOT NULL REFERENCES tunnels (id) ON DELETE CASCADE,
  -- JSON: the Workers VPC service shape (type, name, ports or tcp_port/app_protocol, host, tls).
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO vpc_services_v2 SELECT id, name, type, tunnel_id, config, created_at, updated_at
  FROM vpc_services;
DROP TABLE vpc_services;
ALTER TABLE vpc_services_v2 RENAME TO vpc_services;
CREATE INDEX vpc_services_tunnel ON vpc_services (tunnel_id);

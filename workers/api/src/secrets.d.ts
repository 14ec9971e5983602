// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
interface Env {
  /** The operator's bearer token; every scope, every call (`wrangler secret put ADMIN_TOKEN`). */
  ADMIN_TOKEN?: string;
  /** Any string; an AES-GCM key is derived from it to seal tunnel secrets for GET /token. */
  TUNNEL_SECRET_KEY?: string;
  /** Cloudflare API token with DNS edit on CF_ZONE_ID. */
  CF_API_TOKEN?: string;
}

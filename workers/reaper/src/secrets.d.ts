// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
interface Env {
  /** Cloudflare API token with DNS edit on CF_ZONE_ID (`wrangler secret put CF_API_TOKEN`). */
  CF_API_TOKEN?: string;
}

// Secrets are not in wrangler.toml, so `wrangler types` cannot see them.
interface Env {
  /** Bearer token for the /vpc/services management API (`wrangler secret put ADMIN_TOKEN`). */
  ADMIN_TOKEN?: string;
}

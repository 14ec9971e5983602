import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Runs before every test file; already-applied migrations are skipped via the d1_migrations table.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

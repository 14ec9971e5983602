// Bindings declared in vitest.config.ts; `env` from "cloudflare:workers" is typed as Cloudflare.Env.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

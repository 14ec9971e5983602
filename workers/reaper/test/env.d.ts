// Bindings declared in vitest.config.ts besides the reaper's own; `env` is typed as Cloudflare.Env.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}

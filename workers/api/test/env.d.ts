/// <reference path="../../../packages/cf-api/testing/zone-api-setup.ts" />
// Bindings only the tests declare (vitest.config.ts); `env` from "cloudflare:workers".
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** The edge Worker, whose apex forwards /client/v4/* here. */
    EDGE: Fetcher;
  }
}

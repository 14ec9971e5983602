import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { tunnelHostMiniflare } from "../edge/test/pool-options";

export default defineConfig(async () => {
  // The registry's migrations, read in Node and applied inside workerd by test/apply-migrations.ts.
  const migrations = await readD1Migrations(
    new URL("../../packages/registry/migrations", import.meta.url).pathname,
  );

  return {
    plugins: [
      cloudflareTest({
        // The edge is the main Worker, so its Tunnel Durable Object runs here for real (an auxiliary
        // Worker cannot bind back to the main one, DESIGN.md §5). The tests call the reaper's
        // `scheduled` handler directly with this env, which has every binding the reaper declares.
        main: new URL("../edge/src/index.ts", import.meta.url).pathname,
        miniflare: tunnelHostMiniflare({
          REAP_AFTER_SECONDS: "300",
          REAP_BATCH_SIZE: "500",
          REAP_MAX_SUBREQUESTS: "24000",
          REAP_MAX_ZONE_DELETES: "200",
          PURGE_SECRET_AFTER_DAYS: "30",
          CF_API_BASE: "",
          CF_ZONE_ID: "",
          TEST_MIGRATIONS: migrations,
        }),
      }),
    ],
    test: {
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      testTimeout: 120_000,
    },
  };
});

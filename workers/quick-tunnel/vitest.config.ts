import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // Test code inside workerd has no file system, so migrations travel as a binding.
  const migrations = await readD1Migrations(
    new URL("../../packages/registry/migrations", import.meta.url).pathname,
  );
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            // The fake zone API runs in Node (test/global-setup.ts) on 127.0.0.1.
            CF_API_BASE: inject("fakeZoneApiBase"),
            CF_ZONE_ID: inject("fakeZoneId"),
            CF_API_TOKEN: inject("fakeZoneToken"),
          },
        },
      })),
    ],
    test: {
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
    },
  };
});

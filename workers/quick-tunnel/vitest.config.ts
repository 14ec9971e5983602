import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { APPLY_MIGRATIONS_SETUP, registryTestBindings } from "../../packages/registry/testing/pool";

export default defineConfig(async () => {
  const registry = await registryTestBindings();
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ...registry,
            // The fake zone API runs in Node (@burrow/cf-api/testing zone-api-setup.ts) on 127.0.0.1.
            CF_API_BASE: inject("fakeZoneApiBase"),
            CF_ZONE_ID: inject("fakeZoneId"),
            CF_API_TOKEN: inject("fakeZoneToken"),
          },
        },
      })),
    ],
    test: {
      globalSetup: ["../../packages/cf-api/testing/zone-api-setup.ts"],
      setupFiles: [APPLY_MIGRATIONS_SETUP],
    },
  };
});

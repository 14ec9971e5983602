import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { LOCAL_DATABASE_ID, prebuiltTunnelWorkers } from "../../packages/local-edge/src/prebuild";
import { APPLY_MIGRATIONS_SETUP, registryTestBindings } from "../../packages/registry/testing/pool";
import { TEST_ADMIN_TOKEN, TEST_SECRET_KEY } from "./test/fixtures";

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig(async () => {
  const registry = await registryTestBindings();
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          compatibilityFlags: ["nodejs_compat"],
          d1Databases: { DB: LOCAL_DATABASE_ID },
          durableObjects: { TUNNEL: { className: "Tunnel", scriptName: "burrow-edge" } },
          bindings: {
            ...registry,
            ADMIN_TOKEN: TEST_ADMIN_TOKEN,
            TUNNEL_SECRET_KEY: TEST_SECRET_KEY,
            CF_API_BASE: inject("fakeZoneApiBase"),
            CF_ZONE_ID: inject("fakeZoneId"),
            CF_API_TOKEN: inject("fakeZoneToken"),
          },
          serviceBindings: { EDGE: "burrow-edge" },
          // The edge hosts the Tunnel DO the API binds by script name, and the binding Worker takes
          // the API's cache evictions (VPC_SERVICE_CACHE); both run as prebuilt auxiliaries.
          workers: prebuiltTunnelWorkers(path.join(here, ".wrangler/test-build")),
        },
      })),
    ],
    test: {
      globalSetup: ["../../packages/cf-api/testing/zone-api-setup.ts"],
      setupFiles: [APPLY_MIGRATIONS_SETUP],
    },
  };
});

import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { prebuildWorker } from "../../packages/local-edge/src/prebuild";
import { workerVars } from "../../packages/local-edge/src/worker-configs";
import { APPLY_MIGRATIONS_SETUP, registryTestBindings } from "../../packages/registry/testing/pool";
import { TEST_ADMIN_TOKEN, TEST_SECRET_KEY } from "./test/fixtures";

const here = path.dirname(fileURLToPath(import.meta.url));
const DATABASE_ID = "00000000-0000-4000-8000-000000000001";
const COMPATIBILITY_DATE = "2026-04-20";

export default defineConfig(async () => {
  const registry = await registryTestBindings();
  // The edge hosts the Tunnel DO the API binds by script name; it runs as a prebuilt auxiliary.
  const edgeScript = prebuildWorker("wrangler.toml", path.join(here, ".wrangler/test-build/edge"));
  // The binding Worker takes the API's cache evictions (VPC_SERVICE_CACHE in wrangler.toml).
  const bindingScript = prebuildWorker(
    "workers/binding/wrangler.toml",
    path.join(here, ".wrangler/test-build/binding"),
  );
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        main: "./src/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          compatibilityFlags: ["nodejs_compat"],
          d1Databases: { DB: DATABASE_ID },
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
          workers: [
            {
              name: "burrow-edge",
              modules: true,
              scriptPath: edgeScript,
              compatibilityDate: COMPATIBILITY_DATE,
              d1Databases: { DB: DATABASE_ID },
              durableObjects: { TUNNEL: { className: "Tunnel", useSQLite: true } },
              bindings: workerVars("wrangler.toml"),
            },
            {
              name: "burrow-binding",
              modules: true,
              scriptPath: bindingScript,
              compatibilityDate: COMPATIBILITY_DATE,
              d1Databases: { DB: DATABASE_ID },
              durableObjects: { TUNNEL: { className: "Tunnel", scriptName: "burrow-edge" } },
            },
          ],
        },
      })),
    ],
    test: {
      globalSetup: ["../../packages/cf-api/testing/zone-api-setup.ts"],
      setupFiles: [APPLY_MIGRATIONS_SETUP],
    },
  };
});

import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { prebuildWorker } from "../../packages/local-edge/src/prebuild";
import { workerVars } from "../../packages/local-edge/src/worker-configs";
import { APPLY_MIGRATIONS_SETUP, registryTestBindings } from "../../packages/registry/testing/pool";
import { SERVICE_A, SERVICE_B } from "./test/fixtures";

const here = path.dirname(fileURLToPath(import.meta.url));
const DATABASE_ID = "00000000-0000-4000-8000-000000000001";
const COMPATIBILITY_DATE = "2026-04-20";

/**
 * The edge (which hosts the Tunnel DO) and the binding Worker both run as prebuilt auxiliaries and
 * the tests reach them by binding (an auxiliary cannot bind back to the runner's DO).
 */
export default defineConfig(async () => {
  const registry = await registryTestBindings();
  const buildDir = path.join(here, ".wrangler/test-build");
  const edgeScript = prebuildWorker("wrangler.toml", path.join(buildDir, "edge"));
  const bindingScript = prebuildWorker(
    "workers/binding/wrangler.toml",
    path.join(buildDir, "binding"),
  );
  const tunnelDo = { className: "Tunnel", scriptName: "burrow-edge" };
  return {
    plugins: [
      cloudflareTest({
        miniflare: {
          compatibilityDate: COMPATIBILITY_DATE,
          compatibilityFlags: ["nodejs_compat"],
          d1Databases: { DB: DATABASE_ID },
          durableObjects: { TUNNEL: tunnelDo },
          bindings: registry,
          // Pool 0.15.1 drops `props` written in wrangler config, so consumers are declared here.
          serviceBindings: {
            SERVICE_CACHE: { name: "burrow-binding", entrypoint: "VpcServiceCache" },
            EDGE: "burrow-edge",
            API_A: {
              name: "burrow-binding",
              entrypoint: "VpcServiceBinding",
              props: { service_id: SERVICE_A },
            },
            API_B: {
              name: "burrow-binding",
              entrypoint: "VpcServiceBinding",
              props: { service_id: SERVICE_B },
            },
            API_NO_PROPS: { name: "burrow-binding", entrypoint: "VpcServiceBinding" },
          },
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
              durableObjects: { TUNNEL: tunnelDo },
            },
          ],
        },
      }),
    ],
    test: {
      setupFiles: [APPLY_MIGRATIONS_SETUP],
      include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    },
  };
});

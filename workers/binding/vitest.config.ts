import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { LOCAL_DATABASE_ID, prebuiltTunnelWorkers } from "../../packages/local-edge/src/prebuild";
import { APPLY_MIGRATIONS_SETUP, registryTestBindings } from "../../packages/registry/testing/pool";
import { SERVICE_A, SERVICE_B } from "./test/fixtures";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The edge (which hosts the Tunnel DO) and the binding Worker both run as prebuilt auxiliaries and
 * the tests reach them by binding (an auxiliary cannot bind back to the runner's DO).
 */
export default defineConfig(async () => {
  const registry = await registryTestBindings();
  const tunnelDo = { className: "Tunnel", scriptName: "burrow-edge" };
  return {
    plugins: [
      cloudflareTest({
        miniflare: {
          compatibilityDate: "2026-04-20",
          compatibilityFlags: ["nodejs_compat"],
          d1Databases: { DB: LOCAL_DATABASE_ID },
          durableObjects: {
            TUNNEL: tunnelDo,
            TUNNEL_CONNECTION: { className: "TunnelConnection", scriptName: "burrow-edge" },
          },
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
          workers: prebuiltTunnelWorkers(path.join(here, ".wrangler/test-build")),
        },
      }),
    ],
    test: {
      setupFiles: [APPLY_MIGRATIONS_SETUP],
      include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    },
  };
});

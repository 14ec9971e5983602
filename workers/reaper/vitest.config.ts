import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { workerVars } from "../../packages/local-edge/src/worker-configs";
import { APPLY_MIGRATIONS_SETUP, registryTestBindings } from "../../packages/registry/testing/pool";
import { tunnelHostMiniflare } from "../edge/test/pool-options";

export default defineConfig(async () => {
  const registry = await registryTestBindings();

  return {
    plugins: [
      cloudflareTest({
        // The edge is the main Worker, so its Tunnel Durable Object runs here for real (an auxiliary
        // Worker cannot bind back to the main one, DESIGN.md §5). The tests call the reaper's
        // `scheduled` handler directly with this env, which has every binding the reaper declares.
        main: new URL("../edge/src/index.ts", import.meta.url).pathname,
        miniflare: tunnelHostMiniflare({
          ...workerVars("workers/reaper/wrangler.toml"),
          // No zone API unless a test points one at the fake (test/fake-zone.ts).
          CF_API_BASE: "",
          CF_ZONE_ID: "",
          ...registry,
        }),
      }),
    ],
    test: {
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: [APPLY_MIGRATIONS_SETUP],
      testTimeout: 120_000,
    },
  };
});

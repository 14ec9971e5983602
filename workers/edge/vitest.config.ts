import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { APPLY_MIGRATIONS_SETUP, registryTestBindings } from "../../packages/registry/testing/pool";
import { tunnelHostMiniflare } from "./test/pool-options";

export default defineConfig(async () => {
  const registry = await registryTestBindings();
  return {
    test: {
      projects: [
        // Pure TS beside the code.
        { test: { name: "unit", environment: "node", include: ["src/**/*.test.ts"] } },
        // The edge Worker and its Tunnel DO in workerd with real D1.
        {
          plugins: [
            cloudflareTest({
              main: "./src/index.ts",
              miniflare: tunnelHostMiniflare(registry),
            }),
          ],
          test: {
            name: "workerd",
            include: ["test/**/*.test.ts"],
            setupFiles: [APPLY_MIGRATIONS_SETUP],
          },
        },
      ],
    },
  };
});

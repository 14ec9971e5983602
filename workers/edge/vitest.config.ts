import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { tunnelHostMiniflare } from "./test/pool-options";

export default defineConfig(async () => {
  // The registry's migrations, read in Node and applied inside workerd by test/apply-migrations.ts.
  const migrations = await readD1Migrations(
    new URL("../../packages/registry/migrations", import.meta.url).pathname,
  );
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
              miniflare: tunnelHostMiniflare({ TEST_MIGRATIONS: migrations }),
            }),
          ],
          test: {
            name: "workerd",
            include: ["test/**/*.test.ts"],
            setupFiles: ["./test/apply-migrations.ts"],
          },
        },
      ],
    },
  };
});

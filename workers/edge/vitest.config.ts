import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

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
              miniflare: {
                compatibilityDate: "2026-04-20",
                compatibilityFlags: ["nodejs_compat"],
                d1Databases: ["DB"],
                durableObjects: { TUNNEL: { className: "Tunnel", useSQLite: true } },
                bindings: {
                  ZONE: "localhost",
                  QUICK_TUNNEL_MAX_IN_FLIGHT: "1000",
                  MAX_REQUEST_BODY_BYTES: "4294967296",
                  TEST_MIGRATIONS: migrations,
                },
              },
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

import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_ADMIN_TOKEN, TEST_SECRET_KEY } from "./test/fixtures";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const DATABASE_ID = "00000000-0000-4000-8000-000000000001";
const COMPATIBILITY_DATE = "2026-04-20";

/**
 * Bundles the edge exactly as `wrangler deploy` would. It hosts the Tunnel DO, which the API (the
 * pool's main Worker) binds by script name; an auxiliary cannot bind back to the main Worker's DO,
 * so the DO host is the prebuilt auxiliary (DESIGN.md §5).
 */
function prebuildEdge(): string {
  const outdir = path.join(here, ".wrangler/test-build/edge");
  mkdirSync(outdir, { recursive: true });
  execFileSync(
    process.execPath,
    [
      path.join(root, "node_modules/wrangler/bin/wrangler.js"),
      "deploy",
      "--dry-run",
      "--outdir",
      outdir,
      "-c",
      path.join(root, "wrangler.toml"),
    ],
    { cwd: root, stdio: "ignore" },
  );
  return path.join(outdir, "index.js");
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "packages/registry/migrations"));
  const edgeScript = prebuildEdge();
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
            TEST_MIGRATIONS: migrations,
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
              bindings: {
                ZONE: "localhost",
                QUICK_TUNNEL_MAX_IN_FLIGHT: "1000",
                MAX_REQUEST_BODY_BYTES: "4294967296",
              },
            },
          ],
        },
      })),
    ],
    test: {
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
    },
  };
});

import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { APPLY_MIGRATIONS_SETUP, registryTestBindings } from "./testing/pool";

export default defineConfig(async () => ({
  plugins: [
    cloudflareTest({
      miniflare: {
        compatibilityDate: "2026-04-20",
        compatibilityFlags: ["nodejs_compat"],
        d1Databases: ["DB"],
        bindings: await registryTestBindings(),
      },
    }),
  ],
  test: { setupFiles: [APPLY_MIGRATIONS_SETUP] },
}));

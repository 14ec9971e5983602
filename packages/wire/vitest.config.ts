import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// The same test files run twice: in Node (where the connector decodes frames) and inside workerd
// (where the Tunnel Durable Object does), because the package must behave identically in both.
const include = ["src/**/*.test.ts"];

export default defineConfig({
  test: {
    projects: [
      { test: { name: "node", environment: "node", include } },
      {
        plugins: [
          cloudflareTest({
            miniflare: { compatibilityDate: "2026-04-20", compatibilityFlags: ["nodejs_compat"] },
          }),
        ],
        test: { name: "workerd", include },
      },
    ],
  },
});

import { defineConfig } from "vitest/config";

// These tests run in Node and start the Worker with wrangler's own dev server
// (`unstable_startWorker`), which finds burrow-binding in wrangler's dev registry. The vitest
// Workers pool cannot do that yet: see the README.
export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    hookTimeout: 60_000,
    testTimeout: 60_000,
  },
});

import { defineConfig } from "vitest/config";

// End-to-end tests run in Node against real processes: every Worker in one Miniflare, the real
// `burrow` connector as a child process and real origin servers on 127.0.0.1. Each file starts its
// own edge, so files run one at a time (the machines have two cores and workerd wants one).
export default defineConfig({
  test: {
    name: "e2e",
    environment: "node",
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    pool: "forks",
    fileParallelism: false,
    // Starting Miniflare bundles every Worker with esbuild and boots workerd: seconds, not ms.
    hookTimeout: 60_000,
    testTimeout: 90_000,
    teardownTimeout: 30_000,
  },
});

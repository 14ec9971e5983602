import { defineConfig } from "vitest/config";

// Node tests that start the whole local edge (every Worker in one Miniflare), one file at a time:
// the machines have two cores and workerd wants one.
export default defineConfig({
  test: {
    name: "local-edge",
    environment: "node",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    fileParallelism: false,
    // Starting Miniflare bundles every Worker with esbuild and boots workerd: seconds, not ms.
    hookTimeout: 60_000,
    testTimeout: 90_000,
  },
});

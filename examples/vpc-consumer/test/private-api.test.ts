import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_startWorker } from "wrangler";

// Needs Burrow's `pnpm dev` running on this machine (it registers burrow-binding in wrangler's
// dev registry), a connector serving the service this project's wrangler.toml names, and that
// service registered. PRIVATE_PATH is a path the private service answers with 200 (default /),
// PRIVATE_EXPECT an optional text its answer contains.

/** The folder `wrangler dev` uses for its dev registry (wrangler 4.86's getRegistryPath). */
function devRegistryPath(): string {
  if (process.env.WRANGLER_REGISTRY_PATH) return process.env.WRANGLER_REGISTRY_PATH;
  const legacy = path.join(homedir(), ".wrangler");
  if (existsSync(legacy)) return path.join(legacy, "registry");
  const config = process.env.XDG_CONFIG_HOME || path.join(homedir(), ".config");
  return path.join(config, ".wrangler", "registry");
}

let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
beforeAll(async () => {
  worker = await unstable_startWorker({
    config: "wrangler.toml",
    dev: {
      registry: devRegistryPath(),
      server: { hostname: "127.0.0.1", port: 0 },
      inspector: false,
      logLevel: "warn",
    },
  });
  await worker.ready;
});
afterAll(() => worker?.dispose());

describe("the PRIVATE_API binding", () => {
  it("reaches the private service through Burrow", async () => {
    const response = await worker.fetch(`http://example.test${process.env.PRIVATE_PATH ?? "/"}`);
    const body = await response.text();
    // 503 `Worker "burrow-binding" not found` means Burrow is not in the dev registry; 502 with
    // an error means the binding threw (unknown service, no connector, address not allowed).
    expect(response.status, body).toBe(200);
    if (process.env.PRIVATE_EXPECT) expect(body).toContain(process.env.PRIVATE_EXPECT);
  });
});

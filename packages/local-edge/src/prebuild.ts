import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, workerRateLimits, workerVars } from "./worker-configs";

/**
 * Bundles a Worker exactly as `wrangler deploy` would, without deploying, and returns the bundle's
 * path. Test pools load Workers this way when they must run as auxiliaries: in pool 0.15.1 an
 * auxiliary cannot bind back to the runner's DO, so the Tunnel DO's host is prebuilt (DESIGN.md §5).
 */
export function prebuildWorker(config: string, outdir: string): string {
  mkdirSync(outdir, { recursive: true });
  execFileSync(
    process.execPath,
    [
      path.join(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js"),
      "deploy",
      "--dry-run",
      "--outdir",
      outdir,
      "-c",
      path.resolve(REPO_ROOT, config),
    ],
    { cwd: REPO_ROOT, stdio: "ignore" },
  );
  return path.join(outdir, "index.js");
}

/** The D1 id every committed wrangler.toml names for local runs (`pnpm run deploy` swaps it). */
export const LOCAL_DATABASE_ID = "00000000-0000-4000-8000-000000000001";

/**
 * The edge (host of the Tunnel DO) and the binding Worker, prebuilt as `wrangler deploy` bundles
 * them, as auxiliary Workers of a vitest pool whose own Worker binds them (the API's and the
 * binding's tests). Their variables come from their wrangler.toml files.
 */
export function prebuiltTunnelWorkers(buildDir: string) {
  const common = {
    modules: true,
    compatibilityDate: "2026-04-20",
    d1Databases: { DB: LOCAL_DATABASE_ID },
  };
  return [
    {
      ...common,
      name: "burrow-edge",
      scriptPath: prebuildWorker("wrangler.toml", path.join(buildDir, "edge")),
      durableObjects: {
        TUNNEL: { className: "Tunnel", useSQLite: true },
        TUNNEL_CONNECTION: { className: "TunnelConnection", useSQLite: true },
      },
      bindings: workerVars("wrangler.toml"),
      ratelimits: workerRateLimits("wrangler.toml"),
    },
    {
      ...common,
      name: "burrow-binding",
      scriptPath: prebuildWorker("workers/binding/wrangler.toml", path.join(buildDir, "binding")),
      durableObjects: {
        TUNNEL: { className: "Tunnel", scriptName: "burrow-edge" },
        TUNNEL_CONNECTION: { className: "TunnelConnection", scriptName: "burrow-edge" },
      },
    },
  ];
}

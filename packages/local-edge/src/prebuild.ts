import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./worker-configs";

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

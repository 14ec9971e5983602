/**
 * `pnpm deploy:check`: bundles every Worker exactly as `wrangler deploy` would (`--dry-run`), so a
 * config or import that only breaks at deploy time fails here, without an account.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT, WORKERS } from "@burrow/local-edge";

const CONFIGS = WORKERS.map((worker) => worker.config);

const outRoot = mkdtempSync(path.join(tmpdir(), "burrow-deploy-"));
let failed = 0;
for (const config of CONFIGS) {
  const outdir = path.join(outRoot, config.replace(/\//g, "_"));
  const run = spawnSync(
    "pnpm",
    ["exec", "wrangler", "deploy", "--dry-run", "-c", config, "--outdir", outdir],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
    },
  );
  const size = /Total Upload: ([^\n]+)/.exec(run.stdout)?.[1] ?? "";
  if (run.status === 0) process.stdout.write(`ok   ${config}  ${size}\n`);
  else {
    failed++;
    process.stdout.write(`FAIL ${config}\n${run.stdout}\n${run.stderr}\n`);
  }
}
rmSync(outRoot, { recursive: true, force: true });
process.exit(failed > 0 ? 1 : 0);

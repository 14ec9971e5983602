import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { mallocTunables } from "@burrow/connector/malloc-tunables";
import { REPO_ROOT } from "@burrow/local-edge";

/** The connector bundle `pnpm build` writes: what users install (packages/connector/README.md). */
const BUILT_CONNECTOR = path.join(REPO_ROOT, "packages/connector/dist/burrow.mjs");

let installedCopy: string | undefined;

/**
 * The connector the bench runs, as a new user would: the built bundle when `pnpm build` made one
 * (CI builds before it benches), run from a copy outside the repository. Run in place, Node finds
 * the workspace's bufferutil next to it and the connector masks natively; the npm package has no
 * dependencies, so an installed connector masks in JavaScript (≈ 0.1 ms more per MiB sent), and
 * the bench measures that. From source, `bin/burrow.mjs` loads TypeScript through tsx, whose
 * loader runs a second V8 isolate and adds ~35 MiB of RSS the installed connector does not have,
 * so the RSS figures say which one they measured.
 *
 * The environment is the one Burrow's launchers give it (`pnpm start`, the systemd unit): glibc
 * malloc settings that halve its CPU per MiB (src/malloc-tunables.ts). A connector started by
 * hand without them spends more: scripts/bench/README.md has the two side by side.
 *
 * For a/b runs of two connector builds under one harness: `BENCH_CONNECTOR=<bundle.mjs>` runs
 * that bundle instead of this checkout's, and `BENCH_MALLOC_TUNABLES=0` runs it with glibc's
 * defaults (the environment's GLIBC_TUNABLES, if any, as it is).
 */
export function benchConnector(): {
  command?: string[];
  env: Record<string, string>;
  label: string;
} {
  const env: Record<string, string> =
    process.env.BENCH_MALLOC_TUNABLES === "0"
      ? {}
      : { GLIBC_TUNABLES: mallocTunables(process.env.GLIBC_TUNABLES) };
  const bundle = process.env.BENCH_CONNECTOR || BUILT_CONNECTOR;
  if (existsSync(bundle)) {
    if (!installedCopy) {
      const folder = mkdtempSync(path.join(os.tmpdir(), "burrow-bench-connector-"));
      installedCopy = path.join(folder, "burrow.mjs");
      copyFileSync(bundle, installedCopy);
      process.once("exit", () => rmSync(folder, { recursive: true, force: true }));
    }
    return {
      command: [process.execPath, installedCopy],
      env,
      label: `${process.env.BENCH_CONNECTOR ? "BENCH_CONNECTOR" : "built bundle"}, as installed${
        env.GLIBC_TUNABLES ? "" : ", glibc malloc defaults"
      }`,
    };
  }
  return { env, label: "from source under tsx (run `pnpm build` to measure the bundle)" };
}

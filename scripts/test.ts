/**
 * `pnpm test`: runs every workspace package's vitest suite one after another (the machine has two
 * cores and several suites start workerd), then prints one closing line, `N passed, N failed`,
 * summed over all of them. Exits non-zero if any suite failed or ran no test.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT, WORKERS } from "@burrow/local-edge";

/** The pieces before the Workers (local-edge's one list), end to end last. */
const SUITES = [
  "packages/wire",
  "packages/registry",
  "packages/cf-api",
  "packages/connector",
  "packages/local-edge",
  ...new Set(WORKERS.map((worker) => worker.dir)),
  "test",
];

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTests: number;
}

const only = process.argv.slice(2).filter((arg) => arg !== "--");
const reportDir = mkdtempSync(path.join(tmpdir(), "burrow-test-"));
let passed = 0;
let failed = 0;
let skipped = 0;
const failures: string[] = [];

for (const suite of SUITES) {
  const dir = path.join(REPO_ROOT, suite);
  if (only.length > 0 && !only.some((name) => suite.includes(name))) continue;
  if (!existsSync(path.join(dir, "vitest.config.ts"))) continue;
  const report = path.join(reportDir, `${suite.replace(/\//g, "_")}.json`);
  process.stdout.write(`\n== ${suite}\n`);
  const run = spawnSync(
    "pnpm",
    [
      "exec",
      "vitest",
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
    ],
    { cwd: dir, stdio: "inherit" },
  );
  const counts = existsSync(report)
    ? (JSON.parse(readFileSync(report, "utf8")) as VitestJson)
    : null;
  if (!counts || run.status !== 0 || counts.numTotalTests === 0) failures.push(suite);
  passed += counts?.numPassedTests ?? 0;
  failed += counts?.numFailedTests ?? 0;
  skipped += counts?.numPendingTests ?? 0;
}
rmSync(reportDir, { recursive: true, force: true });

if (failures.length > 0) process.stdout.write(`\nfailed suites: ${failures.join(", ")}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failures.length > 0 ? 1 : 0);

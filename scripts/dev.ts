/**
 * `pnpm dev`: every Burrow Worker in Miniflare on http://127.0.0.1:8787 with persisted local D1 and
 * Durable Objects (.burrow/state). `pnpm start -- --url <origin>` (or `--hello-world`) also runs a
 * connector for that origin and prints its public URL. Each prints one `[dev] ready: …` line once
 * it serves: `pnpm dev` when the edge answers (its migrations are applied before its port opens),
 * `pnpm start` when the connector has registered with it. Ctrl-C stops everything.
 *
 * The management API (/client/v4) gets ADMIN_TOKEN from the environment, else a random token kept
 * in .burrow/admin-token (0600); the token, account tag and zone id are printed at start.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { withMallocTunables } from "@burrow/connector/malloc-tunables";
import { defaultDevRegistryPath, REPO_ROOT, startLocalEdge, workerVars } from "@burrow/local-edge";
import { localAdminToken } from "./admin-token";
import { DEFAULT_REAP_CONTROL_PORT, startReaperCron } from "./reaper-cron";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    connector: { type: "boolean", default: false },
    url: { type: "string" },
    "hello-world": { type: "boolean", default: false },
    port: { type: "string", default: process.env.PORT ?? "8787" },
    metrics: { type: "string" },
  },
  strict: true,
});

const log = (message: string) => process.stderr.write(`[dev] ${message}\n`);
const reapAfterSeconds = process.env.REAP_AFTER_SECONDS;
// wrangler's dev registry: a Worker that `wrangler dev` runs in another project then binds to
// burrow-binding (or any Burrow Worker) as to a deployed one. BURROW_DEV_REGISTRY=0 opts out.
const devRegistryPath =
  process.env.BURROW_DEV_REGISTRY === "0" ? undefined : defaultDevRegistryPath();
const admin = await localAdminToken(path.join(REPO_ROOT, ".burrow"));
const apiVars = workerVars("workers/api/wrangler.toml");
const edge = await startLocalEdge({
  port: Number(values.port),
  // BURROW_STATE_DIR lets tests run a real `pnpm dev` without touching the checkout's state.
  persistTo: process.env.BURROW_STATE_DIR ?? path.join(REPO_ROOT, ".burrow/state"),
  vars: {
    "burrow-api": { ADMIN_TOKEN: admin.token },
    ...(reapAfterSeconds ? { "burrow-reaper": { REAP_AFTER_SECONDS: reapAfterSeconds } } : {}),
  },
  devRegistryPath,
  log,
});
log(`Workers running: ${edge.workers.join(", ")}`);
if (devRegistryPath) log(`registered in wrangler's dev registry (${devRegistryPath})`);
log(`edge on ${edge.url.href} — mint with: curl -X POST ${edge.url.href}tunnel`);
if (admin.source === "generated") log(`made an admin token, kept in ${admin.file} (mode 0600)`);
log(
  `API: ${new URL("client/v4", edge.url).href}  token: ${admin.token}  account: ${apiVars.ACCOUNT_TAG}  zone: ${apiVars.ZONE_ID}`,
);
const stopReaperCron = await startReaperCron(edge, {
  controlPort: Number(process.env.REAP_CONTROL_PORT ?? DEFAULT_REAP_CONTROL_PORT),
  log,
});

let connector: ReturnType<typeof spawn> | null = null;
if (values.connector) {
  const args = ["tunnel", "--edge", edge.url.href];
  if (values["hello-world"] || !values.url) args.push("--hello-world");
  else args.push("--url", values.url);
  if (values.metrics) args.push("--metrics", values.metrics);
  connector = spawn(
    process.execPath,
    [path.join(REPO_ROOT, "packages/connector/bin/burrow.mjs"), ...args],
    // glibc malloc settings that halve the connector's CPU per MiB (malloc-tunables.ts).
    { stdio: ["inherit", "inherit", "pipe"], env: withMallocTunables(process.env) },
  );
  reportReadyWhenRegistered(connector);
  connector.on("exit", (code, signal) => {
    log(`connector exited (${signal ?? code})`);
    // Ctrl-C reaches the connector too (one process group); it then exits 130 or by SIGINT, and
    // that is the user stopping everything, not a failure.
    const stoppedByUser = signal !== null || code === 130 || code === 143;
    void shutdown(stoppedByUser ? 0 : (code ?? 1));
  });
} else {
  log(`ready: edge on ${edge.url.href}`);
}

/**
 * Passes the connector's log through and prints the ready line once it logs its first
 * `Registered tunnel connection`, with the public URL it logged when it minted the tunnel.
 */
function reportReadyWhenRegistered(child: ReturnType<typeof spawn>): void {
  let publicUrl = "";
  let ready = false;
  const lines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
  lines.on("line", (line) => {
    process.stderr.write(`${line}\n`);
    publicUrl = / at (https?:\/\/\S+)/.exec(line)?.[1] ?? publicUrl;
    if (!ready && line.includes("Registered tunnel connection")) {
      ready = true;
      log(`ready: ${publicUrl || "tunnel"} → edge on ${edge.url.href}`);
    }
  });
}

/** How long the connector gets to drain its streams before it is killed. */
const CONNECTOR_STOP_TIMEOUT_MS = 10_000;

let stopping = false;
/**
 * Stops the connector (waiting for it, so its last frames meet a live edge), the reaper's cron and
 * the Workers, then exits. Idempotent: Ctrl-C signals every process of the group, so the SIGINT
 * handler and the connector's exit both get here. Exiting 0 on SIGINT/SIGTERM (instead of dying by
 * the signal) is what keeps pnpm from printing `ELIFECYCLE Command failed`.
 */
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (connector && connector.exitCode === null && connector.signalCode === null) {
    const exited = new Promise((resolve) => connector?.once("exit", resolve));
    connector.kill("SIGTERM");
    const timer = setTimeout(() => connector?.kill("SIGKILL"), CONNECTOR_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  await stopReaperCron();
  await edge.dispose();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

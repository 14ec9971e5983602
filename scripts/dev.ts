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
import { REPO_ROOT, startLocalEdge, workerVars } from "@burrow/local-edge";
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
const admin = await localAdminToken(path.join(REPO_ROOT, ".burrow"));
const apiVars = workerVars("workers/api/wrangler.toml");
const edge = await startLocalEdge({
  port: Number(values.port),
  persistTo: path.join(REPO_ROOT, ".burrow/state"),
  vars: {
    "burrow-api": { ADMIN_TOKEN: admin.token },
    ...(reapAfterSeconds ? { "burrow-reaper": { REAP_AFTER_SECONDS: reapAfterSeconds } } : {}),
  },
  log,
});
log(`Workers running: ${edge.workers.join(", ")}`);
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
    { stdio: ["inherit", "inherit", "pipe"] },
  );
  reportReadyWhenRegistered(connector);
  connector.on("exit", (code) => {
    log(`connector exited (${code})`);
    void shutdown(code ?? 1);
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

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  connector?.kill("SIGTERM");
  await stopReaperCron();
  await edge.dispose();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

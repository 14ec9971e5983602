import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BURROW_BIN = path.join(PACKAGE_ROOT, "bin/burrow.mjs");
/** tsx compiles the CLI on start; on a busy two-core machine that takes a few seconds. */
const START_TIMEOUT_MS = 45_000;
/** How often readiness is polled on the connector's own `/ready`. */
const READY_POLL_MS = 50;

/** How a connector process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `burrow tunnel` process, for tests, benchmarks and demos. */
export interface Connector {
  process: ChildProcess;
  /** The public hostname from the banner, e.g. `oak-river-lamp-snow.localhost`. */
  hostname: string;
  /** The banner's URL, e.g. `http://oak-river-lamp-snow.localhost:8787`. */
  publicUrl: string;
  /** The tunnel's UUID. */
  tunnelId: string;
  /** The `--metrics` server's base URL. */
  metricsUrl: URL;
  /** Everything the process wrote to stderr so far. */
  logs(): string;
  /**
   * Resolves with the first log line matching `pattern` that starts at or after `fromOffset` in
   * {@link logs} (already written or still to come); pass `logs().length` to skip older lines.
   */
  waitForLog(pattern: RegExp, fromOffset?: number): Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
}

/** Options for {@link startConnector}. */
export interface ConnectorOptions {
  edge: URL;
  origin: URL;
  /** Extra CLI arguments, e.g. `["--grace-period", "5"]`. */
  args?: string[];
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
  /**
   * The program to run instead of this checkout's `bin/burrow.mjs` under this Node, e.g. an
   * installed `<prefix>/bin/burrow` (its arguments follow).
   */
  command?: string[];
  /** Wait until `/ready` answers 200 (a connection is registered) before resolving (default true). */
  waitForRegistered?: boolean;
}

const running = new Set<Connector>();

/**
 * Spawns the real connector CLI (`burrow tunnel`) against `edge` for `origin`, with its metrics
 * server on a free port, and resolves once it printed its public URL and its `/ready` says a
 * connection is registered.
 */
export async function startConnector(options: ConnectorOptions): Promise<Connector> {
  const [program, ...programArgs] = options.command ?? [process.execPath, BURROW_BIN];
  const args = [
    ...programArgs,
    "tunnel",
    "--edge",
    options.edge.href,
    "--url",
    options.origin.href,
    "--metrics",
    "127.0.0.1:0",
    // Quick tunnels serve the inspector on 127.0.0.1:4040 (or the next free port) by default;
    // tests run many connectors and never take fixed ports. The last --inspect wins, so a test
    // turns it on with its own `["--inspect", "127.0.0.1:0"]`.
    "--inspect",
    "false",
    ...(options.args ?? []),
  ];
  const child = spawn(program as string, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let output = "";
  const waiters: Array<{ pattern: RegExp; from: number; resolve: (line: string) => void }> = [];
  const onText = (text: string) => {
    output += text;
    for (const waiter of [...waiters]) {
      const line = findLine(output, waiter.pattern, waiter.from);
      if (line !== null) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stderr?.setEncoding("utf8").on("data", onText);
  child.stdout?.setEncoding("utf8").on("data", onText);
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });

  const waitForLog = (pattern: RegExp, from = 0): Promise<string> => {
    const line = findLine(output, pattern, from);
    if (line !== null) return Promise.resolve(line);
    return new Promise((resolve) => waiters.push({ pattern, from, resolve }));
  };
  const connector: Connector = {
    process: child,
    hostname: "",
    publicUrl: "",
    tunnelId: "",
    metricsUrl: new URL("http://127.0.0.1:0"),
    logs: () => output,
    waitForLog,
    exited,
  };
  running.add(connector);
  void exited.then(() => running.delete(connector));

  const startup = async () => {
    const metricsLine = await waitForLog(/metrics on (http:\/\/\S+)\/metrics/);
    connector.metricsUrl = new URL(/metrics on (http:\/\/\S+)\/metrics/.exec(metricsLine)![1]!);
    // The banner line: `|  http://<words>.<zone>:<port>   |`.
    const bannerLine = await waitForLog(/^\|\s+http:\/\/\S+\s+\|$/);
    connector.publicUrl = /(http:\/\/\S+)/.exec(bannerLine)![1]!;
    connector.hostname = new URL(connector.publicUrl).hostname;
    const serving = await waitForLog(/\(tunnel [0-9a-f-]{36}\)/);
    connector.tunnelId = /\(tunnel ([0-9a-f-]{36})\)/.exec(serving)![1]!;
    if (options.waitForRegistered ?? true) await waitUntilReady(connector.metricsUrl, exited);
  };
  const failed = exited.then((exit) => {
    throw new Error(`connector exited during startup (${exit.code ?? exit.signal}):\n${output}`);
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`connector did not start in ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    ).unref(),
  );
  try {
    await Promise.race([startup(), failed, timeout]);
  } catch (error) {
    await stopConnector(connector);
    throw error;
  }
  failed.catch(() => {});
  return connector;
}

/** Kills a connector with SIGKILL (if still running) and waits for it to exit. */
export async function stopConnector(connector: Connector): Promise<Exit> {
  if (connector.process.exitCode === null && connector.process.signalCode === null) {
    connector.process.kill("SIGKILL");
  }
  return connector.exited;
}

/** Kills every connector a test started and has not stopped; for `afterEach`. */
export async function stopAllConnectors(): Promise<void> {
  await Promise.all([...running].map((connector) => stopConnector(connector)));
}

/** Polls the connector's `/ready` (cloudflared's readiness endpoint) until it answers 200. */
async function waitUntilReady(metricsUrl: URL, exited: Promise<Exit>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    const response = await fetch(new URL("/ready", metricsUrl)).catch(() => null);
    if (response?.status === 200) return;
    await response?.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

function findLine(text: string, pattern: RegExp, from: number): string | null {
  // Only complete lines: a line still being written may not match yet.
  const complete = text.slice(from, text.lastIndexOf("\n") + 1);
  for (const line of complete.split("\n")) if (pattern.test(line)) return line;
  return null;
}

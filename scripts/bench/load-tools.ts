/**
 * The load generators: wrk for small requests (a Node client tops out near 4,000 req/s on this
 * machine class, wrk near 22,000, so Node would cap the direct figure and flatter every ratio) and
 * curl for bodies. Both connect to 127.0.0.1 and name the tunnel in Host.
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Installs wrk (Debian package `wrk`) when missing and we are root with apt, as .ci/run does. */
export function ensureTool(command: "wrk" | "curl"): void {
  if (spawnSync("sh", ["-c", `command -v ${command}`]).status === 0) return;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (isRoot && hasApt) {
    console.error(`bench: installing ${command} (apt-get install -y ${command})`);
    spawnSync("sh", ["-c", `apt-get update -qq && apt-get install -y -qq ${command} >/dev/null`], {
      stdio: "inherit",
    });
  }
  if (spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0) {
    throw new Error(`bench needs ${command}: install the Debian package \`${command}\``);
  }
}

/** What one wrk run measured. */
export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers plus socket errors; a healthy run has none. */
  errors: number;
}

/** GETs `path` for `seconds` with `connections` keep-alive connections. */
export async function wrk(options: {
  port: number;
  host: string;
  path: string;
  connections: number;
  seconds: number;
}): Promise<WrkResult> {
  const threads = Math.min(2, options.connections);
  const { stdout } = await run(
    "wrk",
    [
      `-t${threads}`,
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--latency",
      "-H",
      `Host: ${options.host}`,
      `http://127.0.0.1:${options.port}${options.path}`,
    ],
    { timeout: (options.seconds + 30) * 1000 },
  );
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? Number.NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  const latency = (p: number) => {
    const match = new RegExp(`^\\s+${p}(?:\\.000)?%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(stdout);
    if (!match) return Number.NaN;
    const scale = match[2] === "us" ? 0.001 : match[2] === "s" ? 1000 : 1;
    return Number(match[1]) * scale;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const errors =
    non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  if (errors > 0) {
    // Which kind tells a server error from a client giving up (wrk's timeout is 2 s) on a box
    // too loaded to answer in time; the table only counts them.
    console.error(
      `bench: wrk ${options.host} c=${options.connections}: ${non2xx} non-2xx, socket errors ${socketErrors?.[0] ?? "none"}`,
    );
  }
  return { requests, rps, p50Ms: latency(50), p99Ms: latency(99), errors };
}

/** Runs curl against 127.0.0.1:`port` with Host set; returns the `-w` fields, parsed. */
async function curl(
  port: number,
  host: string,
  path: string,
  extra: string[],
): Promise<{ seconds: number; status: number; bytesDown: number; bytesUp: number }> {
  const { stdout } = await run(
    "curl",
    [
      "-sS",
      "-o",
      "/dev/null",
      "-H",
      `Host: ${host}`,
      "-w",
      "%{time_total} %{http_code} %{size_download} %{size_upload}",
      ...extra,
      `http://127.0.0.1:${port}${path}`,
    ],
    { timeout: 300_000 },
  );
  const [seconds, status, down, up] = stdout.trim().split(" ").map(Number);
  return { seconds: seconds!, status: status!, bytesDown: down!, bytesUp: up! };
}

/** Downloads `bytes` from the bench origin's /bytes; returns seconds. */
export async function curlDownload(port: number, host: string, bytes: number): Promise<number> {
  const result = await curl(port, host, `/bytes?n=${bytes}`, []);
  if (result.status !== 200 || result.bytesDown !== bytes) {
    throw new Error(`download: HTTP ${result.status}, ${result.bytesDown} of ${bytes} bytes`);
  }
  return result.seconds;
}

/**
 * POSTs `file` (`bytes` long) to `path` (/upload counts it, /echo returns it); returns seconds.
 * `-T` streams the file instead of reading it into memory first.
 */
export async function curlPost(
  port: number,
  host: string,
  path: "/upload" | "/echo",
  file: string,
  bytes: number,
): Promise<number> {
  // An empty Expect stops curl waiting up to a second for "100 Continue" before large bodies.
  const result = await curl(port, host, path, ["-X", "POST", "-T", file, "-H", "Expect:"]);
  const expectedDown = path === "/echo" ? bytes : String(bytes).length;
  if (result.status !== 200 || result.bytesUp !== bytes || result.bytesDown !== expectedDown) {
    throw new Error(
      `${path}: HTTP ${result.status}, sent ${result.bytesUp} of ${bytes}, got ${result.bytesDown}`,
    );
  }
  return result.seconds;
}

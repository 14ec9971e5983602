import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestEdge } from "./edge";

/** The real CLI, run as `node burrow.mjs tunnel … run`. */
export const BURROW = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../packages/connector/bin/burrow.mjs",
);
/** workers/api/wrangler.toml [vars]. */
export const ACCOUNT = "0000000000000000000000000000b055";
export const ZONE = "000000000000000000000000000020e5";

/** A named origin that answers its name; `/hold` waits until released. */
export interface NamedOrigin {
  url: string;
  release(): void;
  held(): number;
  close(): Promise<void>;
}

export async function namedOrigin(name: string): Promise<NamedOrigin> {
  let waiting: Array<() => void> = [];
  const server = http.createServer((request, response) => {
    const answer = () => {
      if (response.destroyed) return;
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(`${name} ${request.url}`);
    };
    if (request.url?.startsWith("/hold")) {
      waiting.push(answer);
      setTimeout(answer, 60_000).unref();
    } else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    release: () => {
      for (const answer of waiting) answer();
      waiting = [];
    },
    held: () => waiting.length,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` every 100 ms until it answers a truthy value, or throws after `ms`. */
export async function until<T>(
  check: () => Promise<T | null | false>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A `burrow tunnel … run` process. */
export interface RunningConnector {
  child: ChildProcess;
  logs(): string;
  metricsUrl: URL;
  exited: Promise<number | null>;
}

/** Every process {@link spawnBurrow} started and that has not exited; tests kill the rest. */
export const running = new Set<RunningConnector>();

/** Spawns the real CLI with a fresh HOME (so no ~/.cloudflared of the machine is read). */
export async function spawnBurrow(
  args: string[],
  home: string,
  /** The connector to run, e.g. `[node, dist/burrow.mjs]` (the bench); the source CLI by default. */
  command: string[] = [process.execPath, BURROW],
  /** More environment, e.g. the launchers' GLIBC_TUNABLES (the bench). */
  env: Record<string, string> = {},
): Promise<RunningConnector> {
  const [executable, ...prefix] = command as [string, ...string[]];
  const child = spawn(executable, [...prefix, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env, HOME: home, BURROW_EDGE: "", TUNNEL_TOKEN: "" },
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const connector: RunningConnector = {
    child,
    logs: () => output,
    metricsUrl: new URL("http://127.0.0.1:0"),
    exited,
  };
  running.add(connector);
  void exited.then(() => running.delete(connector));
  const line = await until(
    async () =>
      /metrics on (http:\/\/\S+)\/metrics/.exec(output) ??
      (child.exitCode !== null ? Promise.reject() : null),
    45_000,
    "metrics line",
  ).catch(() => {
    throw new Error(`burrow did not start: ${output}`);
  });
  connector.metricsUrl = new URL(line[1]!);
  return connector;
}

/** The connector's `/ready` count of registered connections. */
export async function readyConnections(connector: RunningConnector): Promise<number> {
  const response = await fetch(new URL("/ready", connector.metricsUrl));
  return ((await response.json()) as { readyConnections: number }).readyConnections;
}

/** Calls the management API as the admin; throws unless the envelope says success. */
export function adminApi(edge: () => TestEdge, token: string) {
  return async (method: string, route: string, body?: unknown) => {
    const send = () =>
      fetch(new URL(`/client/v4${route}`, edge().url), {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // workerd may close an idle keep-alive socket just as fetch reuses it ("other side closed"):
    // the request never reached a Worker, so it is sent once more.
    const response = await send().catch(send);
    // biome-ignore lint/suspicious/noExplicitAny: each call reads the fields of its own result.
    const envelope = (await response.json()) as { success: boolean; result: any };
    if (!envelope.success) throw new Error(`${method} ${route}: ${JSON.stringify(envelope)}`);
    return envelope.result;
  };
}

/** What {@link routedNamedTunnel} needs of the test: the admin API, the edge, a home folder. */
export interface NamedTunnelContext {
  api: ReturnType<typeof adminApi>;
  edge: TestEdge;
  home: string;
  originUrl: URL | string;
}

/**
 * A named tunnel created through the API, routed at `hostname`, its credentials file naming the
 * edge, and a config file whose ingress sends `hostname` to the origin; `run` starts
 * `burrow tunnel run` on it with metrics on a free port.
 */
export async function routedNamedTunnel(
  context: NamedTunnelContext,
  name: string,
  hostname: string,
) {
  const { api, edge, home } = context;
  const tunnel = await api("POST", `/accounts/${ACCOUNT}/cfd_tunnel`, { name });
  await api("PUT", `/zones/${ZONE}/tunnels/${tunnel.id}/routes`, {
    type: "dns",
    user_hostname: hostname,
    overwrite_existing: false,
  });
  const credentialsFile = path.join(home, `${tunnel.id}.json`);
  writeFileSync(
    credentialsFile,
    JSON.stringify({ ...tunnel.credentials_file, Endpoint: edge.url.origin }),
  );
  const config = path.join(home, `${name}.yml`);
  writeFileSync(
    config,
    [
      `tunnel: ${tunnel.id}`,
      `credentials-file: ${credentialsFile}`,
      "ingress:",
      `  - hostname: ${hostname}`,
      `    service: ${context.originUrl}`,
      "  - service: http_status:404",
      "",
    ].join("\n"),
  );
  const run = (...extra: string[]) =>
    spawnBurrow(["tunnel", "--config", config, "run", "--metrics", "127.0.0.1:0", ...extra], home);
  return { id: tunnel.id as string, run };
}

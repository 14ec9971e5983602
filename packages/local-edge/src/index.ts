import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { getDefaultDevRegistryPath, Miniflare, type WorkerOptions } from "miniflare";
import {
  unstable_getMiniflareWorkerOptions as getMiniflareWorkerOptions,
  unstable_readConfig as readConfig,
} from "wrangler";
import { applyMigrations } from "./migrations";
import { MIGRATIONS_DIR, REPO_ROOT, workerConfigPaths } from "./worker-configs";

export { REPO_ROOT, WORKERS, workerVars } from "./worker-configs";

/** Every socket of the local edge is bound here: servers in dev and tests stay off the network. */
const LOCAL_HOST = "127.0.0.1";

/**
 * How long (ms) workerd's event loop may go without polling its sockets before a new request to
 * the edge waits for a poll (workers/edge/src/socket-poll.ts). 5 ms: at c=100 on 2 cores it took
 * p99 from 0.9–1.5 s to 150–230 ms and wrk's 2 s timeouts to none (scripts/bench/README.md).
 */
const SOCKET_POLL_MS = 5;

/** How to run the local edge. */
export interface LocalEdgeOptions {
  /** Port on 127.0.0.1; 0 picks a free one (tests). */
  port?: number;
  /**
   * Folder for D1 and Durable Object state; omitted means a fresh state that is thrown away on
   * dispose (tests).
   */
  persistTo?: string;
  /** Extra Worker variables, by Worker name, e.g. `{ "burrow-reaper": { REAP_AFTER_SECONDS: "5" } }`. */
  vars?: Record<string, Record<string, string>>;
  /** Overrides for a Worker's rate limits, by Worker name and binding (benchmarks mint a lot). */
  rateLimits?: Record<string, Record<string, { limit: number; period: 10 | 60 }>>;
  /**
   * Registers every Burrow Worker in wrangler's dev registry at this folder, so a Worker that
   * `wrangler dev` runs in another project binds to them (`service = "burrow-binding"`, any
   * entrypoint, props included) as to deployed ones. {@link defaultDevRegistryPath} is the one
   * wrangler uses; omitted means not registered (tests use a folder of their own, so parallel
   * runs never take each other's names).
   */
  devRegistryPath?: string;
  /**
   * Other Workers, by name, to serve on loopback ports of their own as well ({@link
   * LocalEdge.workerUrl}): a client then reaches them as the edge is reached, without Miniflare's
   * Node-side `getWorker().fetch` (≈ 5 ms per call here), e.g. the VPC bench's consumer Worker.
   */
  directWorkers?: string[];
  /**
   * Workers that are not Burrow's, run beside them (after them, so never the entry Worker), e.g.
   * the VPC bench's floor Worker.
   */
  extraWorkers?: WorkerOptions[];
  /**
   * More service bindings, by Worker name then binding name, on top of what its wrangler.toml
   * declares (Miniflare's form: `{ name, entrypoint, props }`), e.g. the VPC bench's consumer to
   * its floor Worker.
   */
  serviceBindings?: Record<string, Record<string, unknown>>;
  /**
   * How long (ms) the edge's event loop may go without polling its sockets while requests keep
   * coming ({@link SOCKET_POLL_MS} unless given); 0 turns the gate off, to measure without it.
   */
  socketPollMs?: number;
  /** Opens workerd's V8 inspector on this port (profiling the Workers: `pnpm bench:profile`). */
  inspectorPort?: number;
  log?: (message: string) => void;
}

/**
 * The dev registry folder `wrangler dev` reads and writes: `$WRANGLER_REGISTRY_PATH`, else
 * `<wrangler's global config folder>/registry` (wrangler 4.86 `getRegistryPath`; Miniflare's
 * `getDefaultDevRegistryPath` computes the same folder but reads `$MINIFLARE_REGISTRY_PATH`).
 */
export function defaultDevRegistryPath(): string {
  return process.env.WRANGLER_REGISTRY_PATH || getDefaultDevRegistryPath();
}

/** A running set of Burrow Workers in one Miniflare instance. */
export interface LocalEdge {
  /** Base URL of the edge, e.g. `http://127.0.0.1:8787`. */
  url: URL;
  miniflare: Miniflare;
  /** Names of the Workers that are running, edge first. */
  workers: string[];
  /** The base URL of a Worker named in {@link LocalEdgeOptions.directWorkers}. */
  workerUrl(name: string): Promise<URL>;
  dispose(): Promise<void>;
}

/**
 * Starts every Burrow Worker in Miniflare with the bindings their wrangler.toml files declare,
 * bundled with esbuild as wrangler would, on one port. The registry's migrations are applied
 * before that port opens, so the first request (a mint, a reconnecting connector) finds its
 * tables. Used by `pnpm dev` / `pnpm start`, the end-to-end tests and `pnpm bench`.
 */
export async function startLocalEdge(options: LocalEdgeOptions = {}): Promise<LocalEdge> {
  const workers: WorkerOptions[] = [];
  for (const configPath of workerConfigPaths()) {
    workers.push(await workerFromConfig(configPath, options));
  }
  // Without persistTo, D1 still lives on disk, in a folder of our own: it must outlive the
  // private Miniflare that migrates it. (Miniflare's own "in memory" D1 is a temporary folder
  // too, but one per instance.) Durable Objects stay in Miniflare's per-instance storage.
  const scratch = options.persistTo
    ? undefined
    : await mkdtemp(path.join(tmpdir(), "burrow-local-edge-"));
  const persist = options.persistTo ? path.resolve(options.persistTo) : undefined;
  const d1Persist = path.join(persist ?? (scratch as string), "d1");
  try {
    const applied = await migrateBeforeServing(workers[0], d1Persist);
    if (applied.length > 0) options.log?.(`applied D1 migrations: ${applied.join(", ")}`);
    const [edge, ...rest] = workers as [WorkerOptions, ...WorkerOptions[]];
    const miniflare = new Miniflare({
      workers: [
        withPublicSocket(edge, options.port ?? 0, options.socketPollMs ?? SOCKET_POLL_MS),
        ...rest.map((worker) =>
          options.directWorkers?.includes(worker.name ?? "")
            ? ({ ...worker, unsafeDirectSockets: [{ host: LOCAL_HOST, port: 0 }] } as WorkerOptions)
            : worker,
        ),
        ...(options.extraWorkers ?? []),
      ],
      host: LOCAL_HOST,
      // Miniflare's own entry port stays private (see withPublicSocket); nobody is told of it.
      port: 0,
      d1Persist,
      durableObjectsPersist: persist ? path.join(persist, "do") : false,
      cachePersist: false,
      unsafeTriggerHandlers: true,
      // Miniflare 4.20260426 registers each named Worker as a file in this folder holding the
      // address of workerd's debug port; another workerd dials it to reach a service and its
      // entrypoints (props passed through). The file goes when this instance is disposed.
      unsafeDevRegistryPath: options.devRegistryPath,
      inspectorPort: options.inspectorPort,
      log: undefined,
    });
    const url = await miniflare.ready
      .then(() => miniflare.unsafeGetDirectURL(edge.name))
      .catch(async (error) => {
        await miniflare.dispose().catch(() => {});
        throw error;
      });
    return {
      url: new URL(url.origin),
      miniflare,
      workers: workers.map((worker) => worker.name ?? ""),
      workerUrl: (name) => miniflare.unsafeGetDirectURL(name),
      dispose: async () => {
        await miniflare.dispose();
        if (scratch) await rm(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The edge Worker on a socket of its own: visitors and connectors reach it as they reach a
 * deployed edge, with no Worker in front. Miniflare's entry Worker, which its own port serves,
 * is a local stand-in for Cloudflare's front line (a `cf` object, `CF-Connecting-IP`, a rewritten
 * `Accept-Encoding`, pretty error pages) and costs every request an extra isolate hop: measured
 * at ≈ 0.57 ms of workerd CPU per request of the ≈ 0.77 ms an edge-only 404 costs (`pnpm bench`,
 * "edge-only 404"). Without it the edge sees no `cf` (a connection's colo is then "local") and
 * no `CF-Connecting-IP`; it is told the one address its clients can have instead
 * (`LOCAL_PEER_IP`, the socket is bound to loopback). Cloudflare sets both in front of the
 * deployed edge. `LOCAL_SOCKET_POLL_MS` keeps the one event loop polling its sockets at
 * saturation (workers/edge/src/socket-poll.ts); a deployed edge is not alone on one loop.
 */
function withPublicSocket(edge: WorkerOptions, port: number, socketPollMs: number): WorkerOptions {
  const bindings = {
    ...(edge.bindings ?? {}),
    LOCAL_PEER_IP: LOCAL_HOST,
    LOCAL_SOCKET_POLL_MS: String(socketPollMs),
  };
  return { ...edge, bindings, unsafeDirectSockets: [{ host: LOCAL_HOST, port }] } as WorkerOptions;
}

/**
 * Applies the registry's migrations to the edge's D1 database through a private Miniflare that
 * runs no Burrow code and listens on a port nobody is told about, then stops it. Miniflare always
 * opens its entry port when it starts, so migrating through the real instance would leave a window
 * in which requests meet a database without tables. D1 state is keyed by database id, so the real
 * instance, given the same `d1Persist` folder, opens the migrated database.
 */
async function migrateBeforeServing(
  edge: WorkerOptions | undefined,
  d1Persist: string,
): Promise<string[]> {
  const migrator = new Miniflare({
    name: "burrow-migrations",
    modules: true,
    script: "export default { fetch: () => new Response(null, { status: 503 }) };",
    compatibilityDate: "2026-04-20",
    d1Databases: (edge as { d1Databases?: WorkerOptions["d1Databases"] } | undefined)?.d1Databases,
    d1Persist,
    host: "127.0.0.1",
    port: 0,
    log: undefined,
  });
  try {
    await migrator.ready;
    return await applyMigrations(await migrator.getD1Database("DB"), MIGRATIONS_DIR);
  } finally {
    await migrator.dispose();
  }
}

async function workerFromConfig(
  configPath: string,
  options: LocalEdgeOptions,
): Promise<WorkerOptions> {
  const config = readConfig({ config: configPath });
  const { workerOptions, main } = getMiniflareWorkerOptions(config);
  const name = config.name ?? path.basename(path.dirname(configPath));
  if (!main) throw new Error(`${configPath} has no main`);
  const bundle = await esbuild.build({
    entryPoints: [main],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    write: false,
    logLevel: "silent",
    absWorkingDir: REPO_ROOT,
  });
  const code = bundle.outputFiles[0]?.text ?? "";
  const ratelimits = { ...(workerOptions.ratelimits ?? {}) } as Record<string, unknown>;
  for (const [binding, simple] of Object.entries(options.rateLimits?.[name] ?? {})) {
    ratelimits[binding] = { simple };
  }
  return {
    ...(workerOptions as WorkerOptions),
    name,
    modules: [
      { type: "ESModule", path: path.join(path.dirname(main), "index.mjs"), contents: code },
    ],
    modulesRules: undefined,
    // Module names are paths relative to this root; the default (the working directory) breaks
    // when the edge is started from a sub-folder such as test/ ("can't use .. to break out").
    modulesRoot: REPO_ROOT,
    bindings: { ...(workerOptions.bindings ?? {}), ...(options.vars?.[name] ?? {}) },
    serviceBindings: {
      ...serviceBindingsWithProps(workerOptions.serviceBindings, config.services),
      ...(options.serviceBindings?.[name] ?? {}),
    },
    ratelimits: ratelimits as WorkerOptions["ratelimits"],
    // WorkerOptions is a union over how modules are given (`modules` list vs. `modulesRules`);
    // wrangler's options type the other branch, so TypeScript sees no overlap without `unknown`.
  } as unknown as WorkerOptions;
}

/**
 * wrangler 4.86's `unstable_getMiniflareWorkerOptions` drops `props` from `[[services]]` bindings
 * (a VPC service binding's `service_id` lives there), so they are put back from the config.
 */
function serviceBindingsWithProps(
  bindings: unknown,
  services: Array<{ binding: string; props?: Record<string, unknown> }> | undefined,
): Record<string, unknown> {
  const out = { ...((bindings ?? {}) as Record<string, unknown>) };
  for (const service of services ?? []) {
    const binding = out[service.binding];
    if (service.props && binding && typeof binding === "object") {
      out[service.binding] = { ...binding, props: service.props };
    }
  }
  return out;
}

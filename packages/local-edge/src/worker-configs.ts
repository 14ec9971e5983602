import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_readConfig as readConfig } from "wrangler";

/** The repository root, found from this file so scripts work from any working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The D1 migrations every Worker's `DB` binding shares. */
export const MIGRATIONS_DIR = path.join(REPO_ROOT, "packages/registry/migrations");

/** One Burrow Worker: its folder (a workspace package with its tests) and its wrangler config. */
export interface BurrowWorker {
  /** The folder, relative to the repository root. */
  dir: string;
  /** Its wrangler config, relative to the repository root. */
  config: string;
}

/**
 * The one list of Burrow's Workers, read by local-edge (`pnpm dev`, tests, benches), `pnpm test`
 * and `pnpm deploy:check`. Order matters to Miniflare: the first receives every request on the
 * local port (the edge, whose config is the root wrangler.toml); the rest are reached through
 * service bindings, as in production. The example consumer is a Worker of the VPC demo.
 */
export const WORKERS: readonly BurrowWorker[] = [
  { dir: "workers/edge", config: "wrangler.toml" },
  { dir: "workers/quick-tunnel", config: "workers/quick-tunnel/wrangler.toml" },
  { dir: "workers/reaper", config: "workers/reaper/wrangler.toml" },
  { dir: "workers/api", config: "workers/api/wrangler.toml" },
  { dir: "workers/binding", config: "workers/binding/wrangler.toml" },
  {
    dir: "workers/binding/example-consumer",
    config: "workers/binding/example-consumer/wrangler.toml",
  },
];

/** Absolute paths of every Worker's wrangler config that exists, in {@link WORKERS} order. */
export function workerConfigPaths(): string[] {
  return WORKERS.map((worker) => path.join(REPO_ROOT, worker.config)).filter((config) =>
    existsSync(config),
  );
}

/**
 * A Worker's `[vars]` as its wrangler config declares them, so test pools run with the values
 * that deploy does instead of restating them.
 */
export function workerVars(config: string): Record<string, string> {
  const parsed = readConfig({ config: path.resolve(REPO_ROOT, config) });
  return Object.fromEntries(
    Object.entries(parsed.vars ?? {}).map(([name, value]) => [
      name,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

/** One `[[ratelimits]]` entry of a wrangler config. */
interface RateLimitConfig {
  name: string;
  simple: { limit: number; period: 10 | 60 };
}

/**
 * A Worker's `[[ratelimits]]` as Miniflare's `ratelimits` option, read from its wrangler config,
 * for pools that run it as a prebuilt or main Worker (wrangler only fills them in for the Worker
 * it was pointed at).
 */
export function workerRateLimits(
  config: string,
): Record<string, { simple: { limit: number; period: 10 | 60 } }> {
  const parsed = readConfig({ config: path.resolve(REPO_ROOT, config) });
  return Object.fromEntries(
    (parsed.ratelimits ?? []).map((rateLimit: RateLimitConfig) => [
      rateLimit.name,
      { simple: { limit: rateLimit.simple.limit, period: rateLimit.simple.period } },
    ]),
  );
}

import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, found from this file so scripts work from any working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The D1 migrations every Worker's `DB` binding shares. */
export const MIGRATIONS_DIR = path.join(REPO_ROOT, "packages/registry/migrations");

/**
 * The Workers that make up Burrow, in Miniflare's order: the first one receives every request on
 * the local port (the edge, whose config is the root wrangler.toml); the rest are reached through
 * service bindings, as in production. Workers whose folder does not exist yet are skipped.
 */
export function workerConfigPaths(): string[] {
  const configs = [
    path.join(REPO_ROOT, "wrangler.toml"),
    path.join(REPO_ROOT, "workers/quick-tunnel/wrangler.toml"),
    path.join(REPO_ROOT, "workers/reaper/wrangler.toml"),
    path.join(REPO_ROOT, "workers/api/wrangler.toml"),
    path.join(REPO_ROOT, "workers/binding/wrangler.toml"),
    path.join(REPO_ROOT, "workers/binding/example-consumer/wrangler.toml"),
  ];
  return configs.filter((config) => existsSync(config));
}

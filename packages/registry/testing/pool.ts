import path from "node:path";
import { fileURLToPath } from "node:url";
import { type D1Migration, readD1Migrations } from "@cloudflare/vitest-pool-workers";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The registry's migrations folder, the one every wrangler.toml names as `migrations_dir`. */
export const MIGRATIONS_DIR = path.resolve(here, "../migrations");

/**
 * The vitest setup file that applies the migrations inside workerd before each test file; list it
 * in `setupFiles` next to {@link registryTestBindings}.
 */
export const APPLY_MIGRATIONS_SETUP = path.join(here, "apply-migrations.ts");

/**
 * Bindings a vitest Workers pool needs for {@link APPLY_MIGRATIONS_SETUP}: test code inside
 * workerd has no file system, so the migrations, read here in Node, travel as a binding.
 */
export async function registryTestBindings(): Promise<{ TEST_MIGRATIONS: D1Migration[] }> {
  return { TEST_MIGRATIONS: await readD1Migrations(MIGRATIONS_DIR) };
}

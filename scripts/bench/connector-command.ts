import { existsSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "@burrow/local-edge";

/** The connector bundle `pnpm build` writes: what users install (packages/connector/README.md). */
const BUILT_CONNECTOR = path.join(REPO_ROOT, "packages/connector/dist/burrow.mjs");

/**
 * The connector the bench runs, as a new user would: the built bundle when `pnpm build` made one
 * (CI builds before it benches). From source, `bin/burrow.mjs` loads TypeScript through tsx,
 * whose loader runs a second V8 isolate and adds ~35 MiB of RSS the installed connector does not
 * have, so the RSS figures say which one they measured.
 */
export function benchConnector(): { command?: string[]; label: string } {
  if (existsSync(BUILT_CONNECTOR)) {
    return { command: [process.execPath, BUILT_CONNECTOR], label: "built bundle" };
  }
  return { label: "from source under tsx (run `pnpm build` to measure the bundle)" };
}

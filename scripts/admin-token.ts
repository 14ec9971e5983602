import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** Where the local admin token came from, so the start-up line can say so. */
export type AdminTokenSource = "environment" | "file" | "generated";

/**
 * The API Worker's ADMIN_TOKEN for `pnpm dev` / `pnpm start`: `ADMIN_TOKEN` from the environment
 * when set, else the one kept in `<stateDir>/admin-token`, else a new random one written there
 * (mode 0600: it grants every scope). The same token survives restarts, like the persisted D1.
 */
export async function localAdminToken(
  stateDir: string,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<{ token: string; source: AdminTokenSource; file: string }> {
  const file = path.join(stateDir, "admin-token");
  const fromEnv = environment.ADMIN_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: "environment", file };
  const kept = await readFile(file, "utf8").then(
    (text) => text.trim(),
    () => "",
  );
  if (kept) {
    await chmod(file, 0o600);
    return { token: kept, source: "file", file };
  }
  // 32 random bytes → 43 base64url characters: as strong as the tunnel secrets.
  const token = randomBytes(32).toString("base64url");
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, source: "generated", file };
}

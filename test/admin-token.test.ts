/** `pnpm dev`'s admin token: from the environment, else kept in .burrow/admin-token (0600). */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { localAdminToken } from "../scripts/admin-token";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "burrow-admin-token-"));
  dirs.push(dir);
  return path.join(dir, ".burrow");
}

describe("the local admin token", () => {
  it("generates a random token once, keeps it with mode 0600 and reuses it", async () => {
    const dir = await stateDir();
    const first = await localAdminToken(dir, {});
    expect(first.source).toBe("generated");
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(first.file)).mode & 0o777).toBe(0o600);
    expect((await readFile(first.file, "utf8")).trim()).toBe(first.token);
    const again = await localAdminToken(dir, {});
    expect(again).toMatchObject({ token: first.token, source: "file" });
    const other = await localAdminToken(await stateDir(), {});
    expect(other.token).not.toBe(first.token);
  });

  it("takes ADMIN_TOKEN from the environment over the kept one", async () => {
    const dir = await stateDir();
    await localAdminToken(dir, {});
    const chosen = await localAdminToken(dir, { ADMIN_TOKEN: "from-env" });
    expect(chosen).toMatchObject({ token: "from-env", source: "environment" });
  });

  it("tightens a kept token file to 0600", async () => {
    const dir = await stateDir();
    const { file } = await localAdminToken(dir, {});
    await writeFile(file, "kept\n", { mode: 0o644 });
    await chmod(file, 0o644);
    expect((await localAdminToken(dir, {})).token).toBe("kept");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

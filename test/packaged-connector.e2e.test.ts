import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { mallocTunablesHint, runsOnGlibc } from "@burrow/connector/malloc-tunables";
import { startConnector, stopConnector } from "@burrow/connector/testing";
import { REPO_ROOT } from "@burrow/local-edge";
import { PROTOCOL_VERSION } from "@burrow/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTunnelStack } from "./harness/stack";
import { visit } from "./harness/visitor";

// The connector as a user on another machine gets it: `pnpm build`'s tarball installed with npm
// into an empty prefix, or its one bundled file copied to a folder with no node_modules, run by
// plain `node` (no tsx, no workspace) against a local edge.

const CONNECTOR = path.join(REPO_ROOT, "packages/connector");
/** npm run under pnpm inherits pnpm's npm_config_* settings (a global prefix among them). */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_config_")),
) as Record<string, string>;

let tarball = "";
let scratch = "";
beforeAll(() => {
  // Build from the current source: a stale dist/ must not pass for this checkout.
  const printed = execFileSync("pnpm", ["run", "--silent", "build"], {
    cwd: CONNECTOR,
    encoding: "utf8",
  });
  tarball = printed.trim().split("\n").at(-1) ?? "";
  scratch = mkdtempSync(path.join(tmpdir(), "burrow-packaged-"));
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the packaged connector", () => {
  const stack = useTunnelStack({ connector: false });

  it("installs from its tarball into an empty prefix and serves a tunnel as `burrow`", async () => {
    const prefix = path.join(scratch, "prefix");
    execFileSync("npm", ["install", "--global", "--prefix", prefix, tarball], {
      env: cleanEnv,
      stdio: "pipe",
    });
    const burrow = path.join(prefix, "bin/burrow");
    // Self-contained: the package brought no dependencies with it.
    const installed = path.join(prefix, "lib/node_modules/burrow-connector");
    expect(readdirSync(installed).sort()).toEqual(["README.md", "burrow.mjs", "package.json"]);

    const version = execFileSync(burrow, ["--version"], { encoding: "utf8" });
    expect(version).toMatch(
      new RegExp(`^burrow \\d+\\.\\d+\\.\\d+ \\(protocol ${PROTOCOL_VERSION}\\)\\n$`),
    );

    const connector = await startConnector({
      command: [burrow],
      edge: stack.edge.url,
      origin: stack.origin.url,
    });
    const response = await visit({
      port: stack.edge.port,
      hostname: connector.hostname,
      path: "/echo-headers",
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString("utf8"))).toMatchObject({
      url: "/echo-headers",
      headers: { host: expect.stringContaining(connector.hostname) },
    });
    // Started by hand on glibc without the malloc settings, it says what to set (as cloudflared's
    // QUIC library does for the UDP buffer size it cannot raise itself).
    const hint = mallocTunablesHint(process.env, runsOnGlibc());
    if (hint) expect(connector.logs()).toContain(hint);
    else expect(connector.logs()).not.toContain("GLIBC_TUNABLES");
    await stopConnector(connector);
  });

  it("keeps its source within Latin-1, which V8 holds at one byte per character", () => {
    // One character past Latin-1 (a "…" in a comment) doubles the bundle's lifelong string in the
    // heap, which put the connector over V8's threshold for incremental marking: a download then
    // paid for a full mark-compact every few MiB (scripts/build.ts).
    const source = readFileSync(path.join(CONNECTOR, "dist/burrow.mjs"), "utf8");
    const pastLatin1 = source.match(/[\u0100-\uffff]/g) ?? [];
    expect(pastLatin1).toEqual([]);
  });

  it("runs as one file under plain node in a folder without node_modules", async () => {
    const alone = mkdtempSync(path.join(scratch, "alone-"));
    copyFileSync(path.join(CONNECTOR, "dist/burrow.mjs"), path.join(alone, "burrow.mjs"));
    expect(existsSync(path.join(alone, "node_modules"))).toBe(false);

    // NODE_PATH unset and cwd in the scratch folder: nothing from the checkout can be resolved.
    const connector = await startConnector({
      command: [process.execPath, path.join(alone, "burrow.mjs")],
      edge: stack.edge.url,
      origin: stack.origin.url,
      env: { NODE_PATH: "", NODE_OPTIONS: "" },
    });
    const response = await visit({
      port: stack.edge.port,
      hostname: connector.hostname,
      path: "/echo-headers",
    });
    expect(response.status).toBe(200);
    await stopConnector(connector);
  });
});

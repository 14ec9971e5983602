import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT } from "@burrow/local-edge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRIVATE_HOSTNAME, startVpcStack, type VpcStack } from "../workers/binding/local/vpc-stack";
import { runCommand, stopAllCommands } from "./harness/child-process";

// A Worker in its own project (examples/vpc-consumer, outside the pnpm workspace, with its own
// wrangler and vitest from npm) binds to Burrow's Workers through wrangler's dev registry: the
// local edge registers them in a folder, the example's real `wrangler dev` and its own tests find
// burrow-binding#VpcServiceBinding there, and a call goes Worker → binding → Tunnel DO →
// connector → private origin. The registry folder is the test's own, not the user's.

const EXAMPLE = path.join(REPO_ROOT, "examples/vpc-consumer");
const exampleBin = (name: string) => path.join(EXAMPLE, "node_modules/.bin", name);

let registry = "";
let stack: VpcStack;
beforeAll(async () => {
  if (!existsSync(exampleBin("wrangler"))) {
    throw new Error(
      "examples/vpc-consumer has no node_modules: run `npm ci` there first (.ci/run does)",
    );
  }
  registry = mkdtempSync(path.join(tmpdir(), "burrow-dev-registry-"));
  stack = await startVpcStack({ devRegistryPath: registry });
  await stack.registerExampleService();
});
afterAll(async () => {
  await stopAllCommands();
  await stack?.close();
  if (registry) rmSync(registry, { recursive: true, force: true });
});

/** The example's environment: the test's registry, no metrics, no prompts, no colours. */
const exampleEnv = () => ({
  WRANGLER_REGISTRY_PATH: registry,
  WRANGLER_SEND_METRICS: "false",
  CI: "1",
  FORCE_COLOR: "0",
  // Set by pnpm for the test run; the example is not a pnpm project.
  npm_config_user_agent: undefined,
});

describe("a Worker from another project, under wrangler dev", () => {
  it("finds Burrow's Workers in the dev registry", () => {
    expect(readdirSync(registry)).toEqual(
      expect.arrayContaining(["burrow-edge", "burrow-binding"]),
    );
  });

  it("shows PRIVATE_API connected and reaches the private service through it", async () => {
    const dev = runCommand(
      exampleBin("wrangler"),
      ["dev", "--ip", "127.0.0.1", "--port", "0", "--inspector-port", "0"],
      { cwd: EXAMPLE, env: exampleEnv() },
    );
    const [, url] = (await dev.waitFor(/Ready on (http:\/\/\S+)/)) as string[];
    expect(dev.output()).toMatch(
      /env\.PRIVATE_API \(burrow-binding#VpcServiceBinding\)\s+Worker\s+local \[connected\]/,
    );

    const hitsBefore = stack.origin.hits.length;
    const response = await fetch(new URL("/from-outside?x=1", url));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      method: "GET",
      path: "/from-outside?x=1",
      host: PRIVATE_HOSTNAME,
    });
    // The private origin, which only the connector can reach, answered it.
    expect(stack.origin.hits.slice(hitsBefore)).toEqual([
      expect.objectContaining({ path: "/from-outside?x=1" }),
    ]);
    await dev.stop();
  });

  it("passes its own tests (npm test in the example) against the running Burrow", async () => {
    const tests = runCommand(exampleBin("vitest"), ["run"], {
      cwd: EXAMPLE,
      env: {
        ...exampleEnv(),
        PRIVATE_PATH: "/from-example-tests",
        PRIVATE_EXPECT: `"host":"${PRIVATE_HOSTNAME}"`,
      },
    });
    const exit = await tests.exited;
    expect(exit, tests.output()).toEqual({ code: 0, signal: null });
    expect(tests.output()).toMatch(/1 passed/);
    expect(stack.origin.hits.map((hit) => hit.path)).toContain("/from-example-tests");
  });
});

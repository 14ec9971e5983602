#!/usr/bin/env node
import { PROTOCOL_VERSION } from "@burrow/wire";
import { type CommandDef, defineCommand, runCommand, showUsage } from "citty";
import { ConnectorError } from "./connector-error";
import { CONNECTOR_VERSION } from "./tunnel-runner";

/**
 * The commands, loaded only when called: `burrow --help` and a quick tunnel do not pay for the
 * named-tunnel code, and each command lives in its own module under commands/.
 */
const commands = {
  tunnel: () => import("./commands/tunnel").then((module) => module.default as CommandDef),
  service: () => import("./commands/service").then((module) => module.default as CommandDef),
  login: () => import("./commands/login").then((module) => module.default as CommandDef),
};

const main = defineCommand({
  meta: {
    name: "burrow",
    version: CONNECTOR_VERSION,
    description: "Burrow connector: tunnels to a self-hosted edge",
  },
  subCommands: commands,
});

// Visitor input never reaches here (each stream catches its own failures); what does is a bug
// or a broken environment, and a daemon in an unknown state is better restarted by its supervisor.
process.on("uncaughtException", fail);
const rawArgs = process.argv.slice(2);
const [first] = rawArgs;
if (first === "--version" || first === "-v" || first === "version") {
  // The protocol version says which edges this connector can talk to (see @burrow/wire).
  process.stdout.write(`burrow ${CONNECTOR_VERSION} (protocol ${PROTOCOL_VERSION})\n`);
} else if (rawArgs.length === 0 || rawArgs.includes("--help") || rawArgs.includes("-h")) {
  const command =
    first && first in commands ? await commands[first as keyof typeof commands]() : main;
  await showUsage(command);
} else {
  await runCommand(main, { rawArgs }).catch(fail);
}

function fail(error: unknown): never {
  if (error instanceof ConnectorError) process.stderr.write(`${error.explain()}\n`);
  else process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}

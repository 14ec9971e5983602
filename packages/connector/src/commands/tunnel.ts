import { type CommandDef, defineCommand } from "citty";
import { firstPositional, rememberTunnelFlags, TUNNEL_ARGS } from "./tunnel-flags";

/**
 * `burrow tunnel`'s subcommands (`create`, `run`, …), one module each under commands/tunnel/,
 * loaded only when called.
 */
const subCommands: Record<string, () => Promise<CommandDef>> = {
  run: () => import("./tunnel/run").then((module) => module.default as CommandDef),
  ingress: () => import("./tunnel/ingress").then((module) => module.default as CommandDef),
  ready: () => import("./tunnel/ready").then((module) => module.default as CommandDef),
  create: () => import("./tunnel/create").then((module) => module.default as CommandDef),
  list: () => import("./tunnel/list").then((module) => module.default as CommandDef),
  info: () => import("./tunnel/info").then((module) => module.default as CommandDef),
  delete: () => import("./tunnel/delete").then((module) => module.default as CommandDef),
  cleanup: () => import("./tunnel/cleanup").then((module) => module.default as CommandDef),
  token: () => import("./tunnel/token").then((module) => module.default as CommandDef),
  route: () => import("./tunnel/route").then((module) => module.default as CommandDef),
};

/**
 * `burrow tunnel`: a quick tunnel with `--url`, or a named-tunnel subcommand. cloudflared puts
 * shared flags between `tunnel` and the subcommand (`tunnel --config x run`), so they are declared
 * here and handed on through tunnel-flags.ts.
 */
export default defineCommand({
  meta: { name: "tunnel", description: "Expose a local origin through a quick tunnel" },
  args: TUNNEL_ARGS,
  subCommands,
  setup({ args, rawArgs }) {
    rememberTunnelFlags(args, rawArgs);
  },
  async run({ args, rawArgs }) {
    // citty runs the parent's `run` after a subcommand; only a bare `burrow tunnel …` is ours.
    if (firstPositional(rawArgs, TUNNEL_ARGS) !== null) return;
    const { runQuickTunnel } = await import("./quick-tunnel");
    await runQuickTunnel(args);
  },
});

import type { ArgsDef, ParsedArgs } from "citty";

/**
 * The flags `burrow tunnel` takes before any subcommand, with cloudflared's names: a quick
 * tunnel's (`burrow tunnel --url <origin>`) and those subcommands share (`--edge`, `--metrics`,
 * `--credentials-file`, …). Subcommands read them with {@link tunnelFlags}.
 */
export const TUNNEL_ARGS = {
  url: { type: "string", description: "Origin to serve", default: "http://localhost:8080" },
  edge: {
    type: "string",
    description: "Base URL of the Burrow Workers",
    default: process.env.BURROW_EDGE ?? "http://127.0.0.1:8787",
  },
  "hello-world": { type: "boolean", description: "Serve a built-in test page as the origin" },
  metrics: {
    type: "string",
    description: "Serve /ready, /quicktunnel and /metrics on host:port",
  },
  "grace-period": {
    type: "string",
    description: "Seconds to finish requests on shutdown",
    default: "30",
  },
  "credentials-file": {
    type: "string",
    description: "Reuse the quick tunnel saved in this file, or save the new one there",
  },
  vpc: {
    type: "boolean",
    description: "Serve Workers VPC services: dial resolved targets and answer DNS questions",
  },
  "vpc-allow": {
    type: "string",
    description:
      "Networks VPC traffic may reach, comma-separated CIDRs (default: 10/8, 172.16/12, 192.168/16, fc00::/7)",
  },
  resolver: {
    type: "string",
    description: "DNS server(s) for VPC hostnames as ip[:port], instead of the system's",
  },
  "vpc-ca-file": {
    type: "string",
    description:
      "PEM file of CA certificates trusted for https VPC services, on top of Node's (and NODE_EXTRA_CA_CERTS)",
  },
  // Named tunnels (`burrow tunnel run`, `ingress`, `ready`); no defaults, so "not given" is seen.
  config: {
    type: "string",
    description:
      "cloudflared config file (default: config.yml in ~/.cloudflared, /etc/cloudflared, …)",
  },
  token: {
    type: "string",
    description: "Tunnel token to run with (or TUNNEL_TOKEN); names the edge too",
  },
  "ha-connections": {
    type: "string",
    description: "Connections to the edge for a named tunnel (default 4)",
  },
  loglevel: { type: "string", description: "debug, info, warn or error (default info)" },
  origincert: {
    type: "string",
    description:
      "cert.pem written by `burrow login` (default: $TUNNEL_ORIGIN_CERT, then ~/.cloudflared/cert.pem and cloudflared's other directories)",
  },
  "api-url": {
    type: "string",
    description:
      "Base URL of the management API (default: $TUNNEL_API_URL, then cert.pem's endpoint, then <--edge>/client/v4)",
  },
  // No default, so "not given" is seen: quick tunnels inspect by default, `tunnel run` does not.
  inspect: {
    type: "string",
    description:
      "Serve the request inspector on host:port (default 127.0.0.1:4040 for quick tunnels, off for `run`); false to turn it off",
  },
} as const satisfies ArgsDef;

let remembered: ParsedArgs<typeof TUNNEL_ARGS> | null = null;
let rememberedRaw: readonly string[] = [];

/** Keeps the flags parsed by `burrow tunnel` for the subcommand that runs next. */
export function rememberTunnelFlags(
  args: ParsedArgs<typeof TUNNEL_ARGS>,
  rawArgs: readonly string[] = [],
): void {
  remembered = args;
  rememberedRaw = rawArgs;
}

/** Whether `--<name>` was written on the command line (flags with defaults cannot tell). */
export function tunnelFlagGiven(name: keyof typeof TUNNEL_ARGS): boolean {
  return rememberedRaw.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
}

/** The flags given between `tunnel` and the subcommand (`burrow tunnel --config x run`). */
export function tunnelFlags(): ParsedArgs<typeof TUNNEL_ARGS> {
  if (!remembered) throw new Error("tunnel flags read before `burrow tunnel` parsed them");
  return remembered;
}

/**
 * The first argument that is neither a flag nor a flag's value, as citty finds a subcommand's
 * name; null when there is none (a bare `burrow tunnel --url …`).
 */
export function firstPositional(rawArgs: readonly string[], args: ArgsDef): string | null {
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") return null;
    if (!arg.startsWith("-")) return arg;
    const name = arg.replace(/^--?/, "");
    const definition = args[name];
    if (!arg.includes("=") && definition?.type === "string") i++;
  }
  return null;
}

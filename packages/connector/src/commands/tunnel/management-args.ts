import { TUNNEL_ARGS } from "../tunnel-flags";

/**
 * `burrow tunnel`'s flags that management subcommands also declare, so one given after the
 * subcommand (`tunnel info web --origincert x`) is parsed as a flag with its value, not as a
 * positional; the value itself is read from `tunnelFlags()`, which parses the whole line.
 */
export const MANAGEMENT_ARGS = {
  origincert: TUNNEL_ARGS.origincert,
  "api-url": TUNNEL_ARGS["api-url"],
  edge: TUNNEL_ARGS.edge,
} as const;

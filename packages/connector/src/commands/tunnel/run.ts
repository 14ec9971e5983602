import { defineCommand } from "citty";
import { parseInspectFlag } from "../../inspector/server";
import { resolveRun } from "../../run/resolve-run";
import { runNamedTunnel } from "../../run/run-tunnel";
import { vpcOptionsFrom } from "../../vpc/options";
import { log } from "../shared";
import { TUNNEL_ARGS, tunnelFlagGiven, tunnelFlags } from "../tunnel-flags";

/**
 * `burrow tunnel run [<name|uuid>]`: runs a named tunnel with cloudflared's config file,
 * credentials file or token. Flags may come before `run` (`tunnel --config x run`) or after it;
 * both are parsed by `burrow tunnel` and read here through tunnelFlags().
 */
export default defineCommand({
  meta: {
    name: "run",
    description: "Run a named tunnel (config.yml, credentials file or --token)",
  },
  args: {
    tunnel: { type: "positional", required: false, description: "Tunnel name or id" },
    ...TUNNEL_ARGS,
  },
  async run({ args }) {
    const flags = tunnelFlags();
    const plan = await resolveRun({
      tunnel: args.tunnel || null,
      config: flags.config || process.env.TUNNEL_CONFIG || null,
      token: flags.token || process.env.TUNNEL_TOKEN || null,
      credentialsFile: flags["credentials-file"] || process.env.TUNNEL_CRED_FILE || null,
      originCert: flags.origincert || process.env.TUNNEL_ORIGIN_CERT || null,
      edge: tunnelFlagGiven("edge") ? flags.edge : (process.env.BURROW_EDGE ?? null),
      url: tunnelFlagGiven("url") ? flags.url : null,
      helloWorld: Boolean(flags["hello-world"]),
      haConnections: flags["ha-connections"] || null,
      metrics: flags.metrics || null,
      gracePeriod: tunnelFlagGiven("grace-period") ? flags["grace-period"] : null,
    });
    const vpc = flags.vpc
      ? vpcOptionsFrom(flags["vpc-allow"], flags.resolver, flags["vpc-ca-file"])
      : null;
    if (vpc) log(`serving VPC services within ${vpc.networks.cidrs.join(", ")}`);
    const inspect = parseInspectFlag(flags.inspect as string | boolean | undefined, false);
    await runNamedTunnel(plan, log, vpc, inspect);
  },
});

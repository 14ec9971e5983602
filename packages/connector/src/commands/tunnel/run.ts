import { defineCommand } from "citty";
import { ConnectorError } from "../../connector-error";
import { parseInspectFlag } from "../../inspector/server";
import type { TunnelConfigFile } from "../../run/config-file";
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
    // `vpc:` in the config file, or the flags; a flag given wins over the file's key.
    const fromFile = vpcSection(plan.config?.vpc, plan.config?.file ?? "");
    const given = (flag: "vpc-allow" | "resolver" | "vpc-ca-file") =>
      tunnelFlagGiven(flag) ? flags[flag] : undefined;
    const vpc =
      flags.vpc || fromFile?.enabled
        ? vpcOptionsFrom(
            given("vpc-allow") ?? fromFile?.allow ?? flags["vpc-allow"],
            given("resolver") ?? fromFile?.resolver ?? flags.resolver,
            given("vpc-ca-file") ?? fromFile?.["ca-file"] ?? flags["vpc-ca-file"],
          )
        : null;
    if (vpc) log(`serving VPC services within ${vpc.networks.cidrs.join(", ")}`);
    const inspect = parseInspectFlag(flags.inspect as string | boolean | undefined, false);
    await runNamedTunnel(plan, log, vpc, inspect);
  },
});

/** The config file's `vpc:` section, checked: each key has the type its flag has. */
function vpcSection(section: unknown, file: string): TunnelConfigFile["vpc"] | null {
  if (section === undefined || section === null) return null;
  const fix = "e.g. vpc: {enabled: true, allow: 10.0.0.0/8, resolver: 10.0.0.2}";
  if (typeof section !== "object" || Array.isArray(section)) {
    throw new ConnectorError(`bad vpc in ${file}`, "expected a mapping", fix);
  }
  const vpc = section as Record<string, unknown>;
  if (vpc.enabled !== undefined && typeof vpc.enabled !== "boolean") {
    throw new ConnectorError(`bad vpc.enabled in ${file}`, "expected true or false", fix);
  }
  for (const key of ["allow", "resolver", "ca-file"]) {
    if (vpc[key] !== undefined && typeof vpc[key] !== "string") {
      throw new ConnectorError(`bad vpc.${key} in ${file}`, "expected a string", fix);
    }
  }
  return vpc as TunnelConfigFile["vpc"];
}

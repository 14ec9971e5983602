import { defineCommand } from "citty";
import { ConnectorError } from "../../connector-error";
import { matchRule } from "../../ingress/match";
import { type Ingress, IngressValidationError, parseIngress } from "../../ingress/rules";
import { findDefaultConfigFile, readConfigFile } from "../../run/config-file";
import { TUNNEL_ARGS, tunnelFlags } from "../tunnel-flags";

/** The config file `ingress` commands read: `--config`, else cloudflared's search path. */
function configPath(): string {
  const file = tunnelFlags().config || process.env.TUNNEL_CONFIG || findDefaultConfigFile();
  if (!file) {
    throw new ConnectorError(
      "no config file",
      "ingress rules are read from config.yml, and none was given or found",
      "pass --config <config.yml> (burrow tunnel --config config.yml ingress validate)",
    );
  }
  return file;
}

function loadIngress(file: string): Ingress {
  const config = readConfigFile(file);
  return parseIngress({ ingress: config.ingress, originRequest: config.originRequest });
}

/** `burrow tunnel ingress validate`: `OK`, or `Validation failed: …` and exit 1, as cloudflared. */
const validate = defineCommand({
  meta: { name: "validate", description: "Check the ingress rules of the config file" },
  args: TUNNEL_ARGS,
  run() {
    const file = configPath();
    process.stdout.write(`Validating rules from ${file}\n`);
    try {
      const ingress = loadIngress(file);
      for (const warning of ingress.warnings) process.stdout.write(`warning: ${warning}\n`);
    } catch (error) {
      if (!(error instanceof IngressValidationError)) throw error;
      process.stdout.write(`Validation failed: ${error.message}\n`);
      process.exit(1);
    }
    process.stdout.write("OK\n");
  },
});

/** `burrow tunnel ingress rule <url>`: which rule (0-based) a URL matches, as cloudflared. */
const rule = defineCommand({
  meta: { name: "rule", description: "Show which ingress rule a URL matches" },
  args: {
    ...TUNNEL_ARGS,
    address: { type: "positional", required: true, description: "e.g. https://app.example.com/x" },
  },
  run({ args }) {
    const file = configPath();
    let url: URL;
    try {
      url = new URL(args.address.includes("://") ? args.address : `https://${args.address}`);
    } catch {
      throw new ConnectorError(
        `"${args.address}" is not a URL`,
        "ingress rule takes the URL a visitor asks for",
        "e.g. burrow tunnel ingress rule https://app.example.com/x",
      );
    }
    let ingress: Ingress;
    try {
      ingress = loadIngress(file);
    } catch (error) {
      if (!(error instanceof IngressValidationError)) throw error;
      process.stdout.write(`Validation failed: ${error.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`Using rules from ${file}\n`);
    const index = matchRule(ingress, url.host, url.pathname);
    const matched = ingress.rules[index]!;
    process.stdout.write(`Matched rule #${index}\n`);
    if (matched.hostname) process.stdout.write(`\thostname: ${matched.hostname}\n`);
    if (matched.pathPattern) process.stdout.write(`\tpath: ${matched.pathPattern}\n`);
    process.stdout.write(`\tservice: ${matched.serviceText}\n`);
  },
});

/** `burrow tunnel ingress`: the config file's rules, checked and tried without running. */
export default defineCommand({
  meta: { name: "ingress", description: "Validate and test ingress rules" },
  args: TUNNEL_ARGS,
  subCommands: { validate, rule },
});

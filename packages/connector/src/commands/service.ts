import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { defineCommand } from "citty";
import { ConnectorError } from "../connector-error";
import { parseTunnelToken } from "../named-tunnel/credentials";
import { systemdUnit } from "../run/systemd-unit";
import { log } from "./shared";

const DEFAULT_UNIT_PATH = "/etc/systemd/system/burrow.service";

const install = defineCommand({
  meta: { name: "install", description: "Write a systemd unit that runs the tunnel of --token" },
  args: {
    token: { type: "string", description: "Tunnel token (burrow tunnel token <name>)" },
    "unit-path": {
      type: "string",
      description: `Where to write the unit (default ${DEFAULT_UNIT_PATH})`,
    },
    bin: {
      type: "string",
      description: "The burrow executable the unit starts (default: this one)",
    },
  },
  run({ args }) {
    const token = args.token || process.env.TUNNEL_TOKEN;
    if (!token) {
      throw new ConnectorError(
        "no tunnel token",
        "service install writes a unit that runs one tunnel by its token",
        "burrow service install --token <token> (burrow tunnel token <name>)",
      );
    }
    // Refuse a broken token now rather than in a unit that restarts forever.
    const credentials = parseTunnelToken(token);
    const unitPath = args["unit-path"] || DEFAULT_UNIT_PATH;
    const bin = args.bin || path.resolve(process.argv[1] ?? "burrow");
    const unit = systemdUnit({ exec: [process.execPath, bin], token });
    try {
      mkdirSync(path.dirname(unitPath), { recursive: true });
      // The unit holds the tunnel secret: readable by root only.
      writeFileSync(unitPath, unit, { mode: 0o600 });
    } catch (error) {
      throw new ConnectorError(
        `cannot write ${unitPath}`,
        (error as Error).message,
        "run as root, or pass --unit-path <file>",
      );
    }
    log(`wrote ${unitPath} for tunnel ${credentials.tunnelId}`);
    log("start it with: systemctl daemon-reload && systemctl enable --now burrow");
  },
});

/** `burrow service`: install the connector as a system service, as `cloudflared service`. */
export default defineCommand({
  meta: { name: "service", description: "Install burrow as a system service" },
  subCommands: { install },
});

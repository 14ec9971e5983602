import { defineCommand } from "citty";
import { ConnectorError } from "../../connector-error";
import { openManagement } from "../../named-tunnel/management";
import { isTunnelId, resolveTunnelIds } from "../../named-tunnel/tunnels";
import { log } from "../shared";
import { tunnelFlags } from "../tunnel-flags";
import { MANAGEMENT_ARGS } from "./management-args";

/** `burrow tunnel cleanup <name|uuid>…`: closes a tunnel's connections (one connector's with -c). */
export default defineCommand({
  meta: { name: "cleanup", description: "Close the connections of named tunnels" },
  args: {
    ...MANAGEMENT_ARGS,
    tunnel: { type: "positional", description: "Names or ids of the tunnels", required: false },
    "connector-id": {
      type: "string",
      alias: ["c"],
      description: "Only the connections of this connector (see `burrow tunnel info`)",
    },
  },
  async run({ args }) {
    const inputs = args._.map(String);
    if (inputs.length < 1) {
      throw new ConnectorError(
        '"burrow tunnel cleanup" requires at least 1 argument, the IDs of the tunnels to cleanup connections.',
        "no tunnel was named",
        "e.g. burrow tunnel cleanup web",
      );
    }
    const connector = args["connector-id"] || process.env.TUNNEL_CLEANUP_CONNECTOR || undefined;
    if (connector && !isTunnelId(connector)) {
      throw new ConnectorError(
        `${connector} is not a valid client ID (must be a UUID)`,
        "connector ids are UUIDs",
        "copy one from the CONNECTOR ID column of `burrow tunnel info <tunnel>`",
      );
    }
    const m = await openManagement(tunnelFlags());
    const ids = await resolveTunnelIds(m, inputs);
    let failure: unknown = null;
    for (const id of ids) {
      log(
        `Cleanup connection for tunnel ${id}${connector ? ` for connector-id ${connector}` : ""}`,
      );
      try {
        await m.client.request("DELETE", `${m.tunnelsPath}/${id}/connections`, {
          query: { client_id: connector },
        });
      } catch (error) {
        // cloudflared goes on with the other tunnels; the first failure still ends in exit 1.
        log(`Error cleaning up connections for tunnel ${id}, error: ${(error as Error).message}`);
        failure ??= m.explain(error, `clean up the connections of tunnel ${id}`);
      }
    }
    if (failure) throw failure;
  },
});

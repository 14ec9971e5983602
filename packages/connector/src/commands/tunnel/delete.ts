import { rm } from "node:fs/promises";
import path from "node:path";
import { defineCommand } from "citty";
import { ApiRequestError } from "../../api/client";
import { API_CODES } from "../../api/explain";
import { ConnectorError } from "../../connector-error";
import { tunnelCredentialsPath } from "../../named-tunnel/credentials";
import { openManagement } from "../../named-tunnel/management";
import { resolveTunnelIds, type TunnelJson } from "../../named-tunnel/tunnels";
import { log } from "../shared";
import { tunnelFlags } from "../tunnel-flags";
import { MANAGEMENT_ARGS } from "./management-args";

/**
 * `burrow tunnel delete [-f] <name|uuid>…`: as cloudflared, it reads each tunnel first and refuses
 * one already deleted; `-f` deletes with `cascade=true`, closing live connections. The tunnel's
 * credentials file is removed afterwards.
 */
export default defineCommand({
  meta: { name: "delete", description: "Delete named tunnels by name or id" },
  args: {
    ...MANAGEMENT_ARGS,
    tunnel: { type: "positional", description: "Names or ids of the tunnels", required: false },
    force: {
      type: "boolean",
      alias: ["f"],
      description: "Close the tunnel's connections and delete it anyway",
    },
    "credentials-file": {
      type: "string",
      alias: ["cred-file"],
      description: "The credentials file to remove (default: <dir of cert.pem>/<uuid>.json)",
    },
  },
  async run({ args }) {
    const inputs = args._.map(String);
    if (inputs.length < 1) {
      throw new ConnectorError(
        '"burrow tunnel delete" requires at least 1 argument, the ID or name of the tunnel to delete.',
        "no tunnel was named",
        "e.g. burrow tunnel delete web",
      );
    }
    const flags = tunnelFlags();
    const force = args.force || process.env.TUNNEL_RUN_FORCE_OVERWRITE === "true";
    const m = await openManagement(flags);
    const ids = await resolveTunnelIds(m, inputs);
    for (const id of ids) {
      let tunnel: TunnelJson;
      try {
        tunnel = await m.client.request("GET", `${m.tunnelsPath}/${id}`);
      } catch (error) {
        throw m.explain(error, `get tunnel information. Please check tunnel id: ${id}`);
      }
      if (tunnel.deleted_at) {
        throw new ConnectorError(
          `Tunnel ${id} has already been deleted`,
          `it was deleted at ${tunnel.deleted_at}`,
          "see live tunnels with `burrow tunnel list`",
        );
      }
      try {
        await m.client.request("DELETE", `${m.tunnelsPath}/${id}`, {
          query: force ? { cascade: true } : {},
        });
      } catch (error) {
        if (error instanceof ApiRequestError && error.has(API_CODES.tunnelHasConnections)) {
          throw new ConnectorError(
            `You can not delete tunnel ${id} because it has active connections.`,
            "a connector is still serving it (code 1022); deleting would cut it off",
            "To see connections run `burrow tunnel info`. If you believe the tunnel is not active, you can use a -f / --force flag with this command.",
          );
        }
        throw m.explain(error, `delete tunnel ${id}`);
      }
      log(`Deleted tunnel ${tunnel.name} with id ${id}`);
      const credentialsPath =
        args["credentials-file"] ||
        flags["credentials-file"] ||
        tunnelCredentialsPath(path.dirname(m.certPath), id);
      await rm(credentialsPath, { force: true }).catch((error: Error) =>
        log(
          `Tunnel ${id} was deleted, but we could not remove its credentials file ${credentialsPath}: ${error.message}. Consider deleting this file manually.`,
        ),
      );
    }
  },
});

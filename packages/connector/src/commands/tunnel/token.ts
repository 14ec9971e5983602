import { defineCommand } from "citty";
import { ApiRequestError } from "../../api/client";
import { ConnectorError } from "../../connector-error";
import {
  decodeTunnelToken,
  encodeTunnelToken,
  writeTunnelCredentials,
} from "../../named-tunnel/credentials";
import { edgeEndpoint, openManagement } from "../../named-tunnel/management";
import { resolveTunnelId } from "../../named-tunnel/tunnels";
import { tunnelFlags } from "../tunnel-flags";
import { MANAGEMENT_ARGS } from "./management-args";

/**
 * `burrow tunnel token <name|uuid>`: prints the tunnel's token (with the edge in `e`, so `run
 * --token` needs nothing else), or with `--cred-file` writes it as a credentials file.
 */
export default defineCommand({
  meta: { name: "token", description: "Print the token that runs a named tunnel" },
  args: {
    ...MANAGEMENT_ARGS,
    tunnel: { type: "positional", description: "Name or id of the tunnel", required: false },
    "credentials-file": {
      type: "string",
      alias: ["cred-file"],
      description: "Write the token as a credentials file here instead of printing it",
    },
  },
  async run({ args }) {
    if (args._.length !== 1) {
      throw new ConnectorError(
        '"burrow tunnel token" requires exactly 1 argument, the name or UUID of tunnel to fetch the credentials token for.',
        `it was given ${args._.length}`,
        "e.g. burrow tunnel token web",
      );
    }
    const m = await openManagement(tunnelFlags());
    const id = await resolveTunnelId(m, String(args._[0]));
    let token: string;
    try {
      token = await m.client.request("GET", `${m.tunnelsPath}/${id}/token`);
    } catch (error) {
      if (
        error instanceof ApiRequestError &&
        error.errors.some((e) => /shown once/.test(e.message))
      ) {
        throw new ConnectorError(
          `the API cannot rebuild the token of tunnel ${id}`,
          "it keeps no usable copy of the secret (the edge's TUNNEL_SECRET_KEY was not set when the tunnel was made)",
          `use the credentials file \`burrow tunnel create\` wrote (${id}.json next to cert.pem)`,
        );
      }
      throw m.explain(error, `get the token of tunnel ${id}`);
    }
    const decoded = decodeTunnelToken(String(token));
    if (!decoded.ok) {
      throw new ConnectorError(
        `the API answered a token for tunnel ${id} that cannot be read`,
        decoded.reason,
        "check that --api-url names a Burrow API",
      );
    }
    const credentials = {
      ...decoded.credentials,
      endpoint: decoded.credentials.endpoint ?? edgeEndpoint(m),
    };
    const file = args["credentials-file"];
    if (file) {
      await writeTunnelCredentials(file, credentials);
      return;
    }
    process.stdout.write(`${encodeTunnelToken(credentials)}\n`);
  },
});

import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { defineCommand } from "citty";
import { ApiRequestError } from "../../api/client";
import { API_CODES } from "../../api/explain";
import { ConnectorError } from "../../connector-error";
import {
  MIN_SECRET_BYTES,
  tunnelCredentialsPath,
  writeTunnelCredentials,
} from "../../named-tunnel/credentials";
import { edgeEndpoint, openManagement } from "../../named-tunnel/management";
import { isTunnelId, type TunnelJson } from "../../named-tunnel/tunnels";
import { tunnelFlags } from "../tunnel-flags";
import { MANAGEMENT_ARGS } from "./management-args";
import { checkOutputFormat, printJson } from "./output";

/** A tunnel secret from `--secret`: standard base64 of at least 32 bytes, as cloudflared checks. */
function secretFrom(flag: string | undefined): string {
  if (!flag) return randomBytes(MIN_SECRET_BYTES).toString("base64");
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(flag) ? Buffer.from(flag, "base64") : null;
  if (!bytes || bytes.length < MIN_SECRET_BYTES) {
    throw new ConnectorError(
      "bad --secret",
      `the decoded secret must be at least ${MIN_SECRET_BYTES} bytes of standard base64`,
      `e.g. --secret "$(head -c ${MIN_SECRET_BYTES} /dev/urandom | base64)", or leave it out for a random one`,
    );
  }
  return bytes.toString("base64");
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** `burrow tunnel create <name>`: cloudflared's create, writing `<uuid>.json` next to cert.pem. */
export default defineCommand({
  meta: { name: "create", description: "Create a named tunnel and write its credentials file" },
  args: {
    ...MANAGEMENT_ARGS,
    name: { type: "positional", description: "Name of the tunnel", required: false },
    "credentials-file": {
      type: "string",
      alias: ["cred-file"],
      description: "Write the credentials here instead of <dir of cert.pem>/<uuid>.json",
    },
    secret: {
      type: "string",
      alias: ["s"],
      description: "Base64 secret of at least 32 bytes (default: 32 random bytes)",
    },
    output: { type: "string", alias: ["o"], description: "Print the tunnel as json" },
  },
  async run({ args }) {
    const flags = tunnelFlags();
    if (args._.length !== 1) {
      throw new ConnectorError(
        '"burrow tunnel create" requires exactly 1 argument, the name of tunnel to create.',
        `it was given ${args._.length}`,
        "e.g. burrow tunnel create web",
      );
    }
    const name = String(args._[0]);
    if (isTunnelId(name)) {
      throw new ConnectorError(
        `${name} cannot be a tunnel name`,
        "it looks like a tunnel id, and names and ids must never be confused",
        "pick a name that is not a UUID",
      );
    }
    checkOutputFormat(args.output);
    const secret = secretFrom(args.secret || process.env.TUNNEL_CREATE_SECRET);
    const m = await openManagement(flags);
    const explicitPath =
      args["credentials-file"] || flags["credentials-file"] || process.env.TUNNEL_CRED_FILE;
    // Checked before the tunnel exists, so a taken path never leaves a tunnel without its file.
    if (explicitPath && (await exists(explicitPath))) {
      throw new ConnectorError(
        `${explicitPath} already exists`,
        "a credentials file is never overwritten: it may be the only copy of another tunnel's secret",
        "pass another --credentials-file, or move that file away",
      );
    }

    let tunnel: TunnelJson & Record<string, unknown>;
    try {
      tunnel = await m.client.request("POST", m.tunnelsPath, {
        body: { name, tunnel_secret: secret },
      });
    } catch (error) {
      if (
        error instanceof ApiRequestError &&
        (error.has(API_CODES.tunnelNameTaken) || error.status === 409)
      ) {
        throw new ConnectorError(
          `Create Tunnel API call failed: tunnel with name already exists (${name})`,
          "live tunnels of an account have unique names (code 1013)",
          `pick another name, or delete the old tunnel with \`burrow tunnel delete ${name}\``,
        );
      }
      throw m.explain(error, `create tunnel ${name}`);
    }

    const credentialsPath =
      explicitPath || tunnelCredentialsPath(path.dirname(m.certPath), tunnel.id);
    try {
      await writeTunnelCredentials(credentialsPath, {
        accountTag: m.cert.accountID,
        tunnelSecret: secret,
        tunnelId: tunnel.id,
        endpoint: edgeEndpoint(m),
      });
    } catch (error) {
      // cloudflared deletes a tunnel it could not save, because it cannot be run without the file.
      const deleted = await m.client.request("DELETE", `${m.tunnelsPath}/${tunnel.id}`).then(
        () =>
          "The tunnel was deleted, because the tunnel can't be run without the credentials file.",
        () => `Deleting it failed too: run \`burrow tunnel delete ${tunnel.id}\`.`,
      );
      const why =
        error instanceof ConnectorError ? `${error.message}: ${error.why}` : String(error);
      throw new ConnectorError(
        `Your tunnel '${name}' was created with ID ${tunnel.id}. However, burrow couldn't write tunnel credentials to ${credentialsPath}.`,
        why,
        deleted,
      );
    }

    if (args.output) {
      const { credentials_file: _file, token: _token, ...rest } = tunnel;
      printJson(rest);
      return;
    }
    const chosen = explicitPath
      ? ""
      : " burrow chose this file based on where your origin certificate was found.";
    process.stdout.write(
      `Tunnel credentials written to ${credentialsPath}.${chosen} Keep this file secret. To revoke these credentials, delete the tunnel.\n`,
    );
    process.stdout.write(`\nCreated tunnel ${tunnel.name} with id ${tunnel.id}\n`);
  },
});

import { stat } from "node:fs/promises";
import path from "node:path";
import { defineCommand } from "citty";
import { ApiClient } from "../api/client";
import { explainApiError } from "../api/explain";
import { ConnectorError } from "../connector-error";
import { apiUrlForEdge } from "../named-tunnel/management";
import {
  defaultOriginCertPath,
  existingCertError,
  expandHome,
  writeOriginCert,
} from "../named-tunnel/origin-cert";
import { parseUrl } from "./shared";

interface Identified {
  id: string;
  name?: string;
}

/** The one account or zone the token sees, or the one `wanted` names. */
function pick(
  kind: "account" | "zone",
  found: Identified[],
  wanted: string | undefined,
  flag: string,
) {
  const match = wanted
    ? found.find((item) => item.id === wanted)
    : found.length === 1
      ? found[0]
      : undefined;
  if (match) return match.id;
  const listed = found.map((item) => `${item.id} (${item.name ?? "?"})`).join(", ") || "none";
  throw new ConnectorError(
    wanted ? `the token cannot see ${kind} ${wanted}` : `the token sees ${found.length} ${kind}s`,
    `the API lists: ${listed}`,
    found.length === 0
      ? "use a token of the deployment's account"
      : `pass ${flag} <id> to pick one`,
  );
}

/**
 * `burrow login --edge <url> --token <API token>`: checks the token against the edge's API, looks
 * up the account tag and zone id, and writes cert.pem where cloudflared looks for it, so
 * `burrow tunnel create` (and cloudflared's own commands with `--api-url`) can use it.
 */
export default defineCommand({
  meta: { name: "login", description: "Write cert.pem for a Burrow edge's management API" },
  args: {
    edge: {
      type: "string",
      description: "Base URL of the Burrow edge",
      default: process.env.BURROW_EDGE ?? "http://127.0.0.1:8787",
    },
    token: { type: "string", description: "API token (default: $BURROW_API_TOKEN)" },
    origincert: {
      type: "string",
      description:
        "Where to write cert.pem (default: $TUNNEL_ORIGIN_CERT or ~/.cloudflared/cert.pem)",
    },
    "api-url": {
      type: "string",
      description: "Base URL of the management API (default: <--edge>/client/v4)",
    },
    "account-id": { type: "string", description: "Account tag, when the token sees several" },
    "zone-id": { type: "string", description: "Zone id, when the token sees several" },
  },
  async run({ args }) {
    const token = args.token || process.env.BURROW_API_TOKEN;
    if (!token) {
      throw new ConnectorError(
        "no API token to log in with",
        "burrow login writes the token into cert.pem; it cannot make one up",
        "pass --token <API token> or set BURROW_API_TOKEN (`pnpm dev` prints the admin token)",
      );
    }
    const certPath = path.resolve(
      expandHome(args.origincert || process.env.TUNNEL_ORIGIN_CERT || defaultOriginCertPath()),
    );
    // Checked before any call, as cloudflared does: a login never replaces a certificate.
    const existing = await stat(certPath).catch(() => null);
    if (existing && existing.size > 0) throw existingCertError(certPath);

    const apiUrl = args["api-url"]
      ? parseUrl(args["api-url"], "--api-url")
      : apiUrlForEdge(parseUrl(args.edge, "--edge"));
    const client = new ApiClient({ baseUrl: apiUrl, token });
    let accountId: string;
    let zoneId: string;
    try {
      const verified = await client.request<{ status?: string }>("GET", "user/tokens/verify");
      if (verified.status !== "active") {
        throw new ConnectorError(
          "the API token is not active",
          `the API says its status is ${verified.status ?? "unknown"}`,
          "use an active token",
        );
      }
      const accounts = await client.list<Identified>("accounts");
      accountId = pick("account", accounts, args["account-id"], "--account-id");
      const zones = await client.list<Identified & { account?: { id?: string } }>("zones");
      const ofAccount = zones.filter((zone) => !zone.account?.id || zone.account.id === accountId);
      zoneId = pick("zone", ofAccount, args["zone-id"], "--zone-id");
    } catch (error) {
      throw explainApiError(error, "log in", apiUrl);
    }
    await writeOriginCert(certPath, {
      zoneID: zoneId,
      accountID: accountId,
      apiToken: token,
      endpoint: apiUrl.href.replace(/\/+$/, ""),
    });
    process.stdout.write(
      `You have successfully logged in.\nIf you wish to copy your credentials to a server, they have been saved to:\n${certPath}\n`,
    );
  },
});

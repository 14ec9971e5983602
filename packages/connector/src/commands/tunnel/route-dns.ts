import { domainToASCII } from "node:url";
import { defineCommand } from "citty";
import { ApiRequestError } from "../../api/client";
import { API_CODES } from "../../api/explain";
import { ConnectorError } from "../../connector-error";
import { openManagement } from "../../named-tunnel/management";
import { resolveTunnelId } from "../../named-tunnel/tunnels";
import { log } from "../shared";
import { tunnelFlags } from "../tunnel-flags";
import { MANAGEMENT_ARGS } from "./management-args";

/** cloudflared's hostname check after IDNA: letters, digits, `-_.`, and `*` only in front. */
const HOSTNAME = /^[*_a-zA-Z0-9][-_.a-zA-Z0-9]*$/;

/** cloudflared's summary of a route's result (cfapi `DNSRoute.SuccessSummary`). */
export function routeSummary(cname: string, hostname: string): string {
  if (cname === "new") return `Added CNAME ${hostname} which will route to this tunnel`;
  if (cname === "updated") return `${hostname} updated to route to your tunnel`;
  return `${hostname} is already configured to route to your tunnel`;
}

/** `burrow tunnel route dns [-f] <name|uuid> <hostname>`: a CNAME to the tunnel in cert.pem's zone. */
export default defineCommand({
  meta: { name: "dns", description: "Route a hostname to a tunnel with a CNAME record" },
  args: {
    ...MANAGEMENT_ARGS,
    tunnel: { type: "positional", description: "Name or id of the tunnel", required: false },
    hostname: { type: "positional", description: "Hostname to route", required: false },
    "overwrite-dns": {
      type: "boolean",
      alias: ["f"],
      description: "Take the hostname over if it routes elsewhere",
    },
  },
  async run({ args }) {
    if (args._.length !== 2) {
      throw new ConnectorError(
        'This command expects the format "burrow tunnel route dns <tunnel name/id> <hostname>"',
        `it was given ${args._.length} arguments`,
        "e.g. burrow tunnel route dns web www.example.com",
      );
    }
    const [input, hostname] = args._.map(String) as [string, string];
    if (!HOSTNAME.test(domainToASCII(hostname) || "")) {
      throw new ConnectorError(
        `${hostname} is not a valid hostname`,
        "a hostname is labels of letters, digits and hyphens, optionally starting with *.",
        "e.g. www.example.com or *.dev.example.com",
      );
    }
    const overwrite = args["overwrite-dns"] || process.env.TUNNEL_FORCE_PROVISIONING_DNS === "true";
    const m = await openManagement(tunnelFlags());
    const id = await resolveTunnelId(m, input);
    let result: { cname: string; name: string };
    try {
      result = await m.client.request(
        "PUT",
        `zones/${encodeURIComponent(m.cert.zoneID)}/tunnels/${id}/routes`,
        {
          body: { type: "dns", user_hostname: hostname, overwrite_existing: overwrite },
        },
      );
    } catch (error) {
      if (error instanceof ApiRequestError && error.has(API_CODES.dnsRecordExists)) {
        const reason = error.errors.find((e) => e.code === API_CODES.dnsRecordExists)?.message;
        throw new ConnectorError(
          `Failed to add route: code: ${API_CODES.dnsRecordExists}, reason: ${reason}`,
          `${hostname} already routes to another tunnel`,
          `add --overwrite-dns (-f) to route it to tunnel ${id} instead`,
        );
      }
      throw m.explain(error, `route ${hostname} to tunnel ${id}`);
    }
    log(`${routeSummary(result.cname, result.name)} tunnelID=${id}`);
  },
});

import { defineCommand } from "citty";
import { ConnectorError } from "../../connector-error";
import { openManagement } from "../../named-tunnel/management";
import { formatConnections, goTimeString, rfc3339, tabulate } from "../../named-tunnel/table";
import { type ConnectorJson, resolveTunnelId, type TunnelJson } from "../../named-tunnel/tunnels";
import { tunnelFlags } from "../tunnel-flags";
import { MANAGEMENT_ARGS } from "./management-args";
import { checkOutputFormat, printJson } from "./output";

function sortKey(connector: ConnectorJson, field: string): string | number {
  switch (field) {
    case "id":
      return connector.id;
    case "numConnections":
      return connector.conns.length;
    case "version":
      return connector.version;
    default:
      return Date.parse(connector.run_at);
  }
}

/** `burrow tunnel info <name|uuid>`: the tunnel and its connectors, as cloudflared prints them. */
export default defineCommand({
  meta: { name: "info", description: "List the active connectors of a tunnel" },
  args: {
    ...MANAGEMENT_ARGS,
    tunnel: { type: "positional", description: "Name or id of the tunnel", required: false },
    output: { type: "string", alias: ["o"], description: "Print the tunnel info as json" },
    "show-recently-disconnected": {
      type: "boolean",
      description: "Show connections pending reconnect too",
    },
    "sort-by": {
      type: "string",
      default: process.env.TUNNEL_INFO_SORT_BY ?? "createdAt",
      description: "Sort connectors by id, createdAt, numConnections, version",
    },
    "invert-sort": { type: "boolean", description: "Invert the sort order" },
  },
  async run({ args }) {
    if (args._.length !== 1) {
      throw new ConnectorError(
        '"burrow tunnel info" accepts exactly one argument, the ID or name of the tunnel to get info about.',
        `it was given ${args._.length}`,
        "e.g. burrow tunnel info web",
      );
    }
    checkOutputFormat(args.output);
    const m = await openManagement(tunnelFlags());
    const id = await resolveTunnelId(m, String(args._[0]));
    let connectors: ConnectorJson[];
    let tunnel: TunnelJson;
    try {
      connectors = await m.client.request("GET", `${m.tunnelsPath}/${id}/connections`);
      tunnel = await m.client.request("GET", `${m.tunnelsPath}/${id}`);
    } catch (error) {
      throw m.explain(error, `get the connectors of tunnel ${id}`);
    }
    const direction = args["invert-sort"] ? -1 : 1;
    connectors.sort((a, b) => {
      const [x, y] = [sortKey(a, args["sort-by"]), sortKey(b, args["sort-by"])];
      return (x < y ? -1 : x > y ? 1 : 0) * direction;
    });

    if (args.output) {
      printJson({
        id: tunnel.id,
        name: tunnel.name,
        createdAt: tunnel.created_at,
        conns: connectors,
      });
      return;
    }
    if (connectors.length === 0) {
      process.stdout.write(`Your tunnel ${id} does not have any active connection.\n`);
      return;
    }
    const showPending = args["show-recently-disconnected"];
    process.stdout.write(
      `NAME:     ${tunnel.name}\nID:       ${tunnel.id}\nCREATED:  ${goTimeString(tunnel.created_at)}\n\n`,
    );
    const shown = connectors.filter((c) => formatConnections(c.conns, showPending) !== "");
    if (shown.length === 0) {
      process.stdout.write("This tunnel has no active connectors.\n");
      return;
    }
    const rows = shown.map((connector) => [
      connector.id,
      rfc3339(connector.run_at),
      connector.arch,
      connector.version,
      connector.conns[0]?.origin_ip ?? "",
      formatConnections(connector.conns, showPending),
    ]);
    const header = ["CONNECTOR ID", "CREATED", "ARCHITECTURE", "VERSION", "ORIGIN IP", "EDGE"];
    process.stdout.write(`${tabulate([header, ...rows])}\n`);
  },
});

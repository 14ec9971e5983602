import { defineCommand } from "citty";
import { ConnectorError } from "../../connector-error";
import { openManagement } from "../../named-tunnel/management";
import { formatConnections, rfc3339, tabulate } from "../../named-tunnel/table";
import {
  isTunnelId,
  listTunnels,
  type TunnelFilter,
  type TunnelJson,
} from "../../named-tunnel/tunnels";
import { tunnelFlags } from "../tunnel-flags";
import { MANAGEMENT_ARGS } from "./management-args";
import { checkOutputFormat, printJson } from "./output";

const SORT_FIELDS = ["name", "id", "createdAt", "deletedAt", "numConnections"] as const;

function sortKey(tunnel: TunnelJson, field: string): string | number {
  switch (field) {
    case "id":
      return tunnel.id;
    case "createdAt":
      return Date.parse(tunnel.created_at);
    case "deletedAt":
      return tunnel.deleted_at ? Date.parse(tunnel.deleted_at) : 0;
    case "numConnections":
      return tunnel.connections?.length ?? 0;
    default:
      return tunnel.name;
  }
}

/** `burrow tunnel list`: cloudflared's table of ID, NAME, CREATED, CONNECTIONS. */
export default defineCommand({
  meta: { name: "list", description: "List named tunnels" },
  args: {
    ...MANAGEMENT_ARGS,
    output: { type: "string", alias: ["o"], description: "Print the tunnels as json" },
    "show-deleted": { type: "boolean", alias: ["d"], description: "Include deleted tunnels" },
    name: { type: "string", alias: ["n"], description: "Only the tunnel with this name" },
    "name-prefix": { type: "string", description: "Only tunnels whose name starts with this" },
    "exclude-name-prefix": { type: "string", description: "Leave out names starting with this" },
    when: {
      type: "string",
      alias: ["w"],
      description: "Only tunnels that existed at this RFC 3339 time",
    },
    id: { type: "string", alias: ["i"], description: "Only the tunnel with this id" },
    "show-recently-disconnected": {
      type: "boolean",
      description: "Count connections pending reconnect too",
    },
    "sort-by": {
      type: "string",
      default: process.env.TUNNEL_LIST_SORT_BY ?? "name",
      description: `Sort by ${SORT_FIELDS.join(", ")}`,
    },
    "invert-sort": { type: "boolean", description: "Invert the sort order" },
  },
  async run({ args }) {
    checkOutputFormat(args.output);
    if (args.id && !isTunnelId(args.id)) {
      throw new ConnectorError(
        `${args.id} is not a valid tunnel ID`,
        "a tunnel id is a UUID",
        "use --name to list by name",
      );
    }
    const filter: TunnelFilter = {
      name: args.name || undefined,
      uuid: args.id || undefined,
      name_prefix: args["name-prefix"] || undefined,
      exclude_prefix: args["exclude-name-prefix"] || undefined,
      existed_at: args.when || undefined,
    };
    const m = await openManagement(tunnelFlags());
    let tunnels: TunnelJson[];
    try {
      // Burrow's API reads a missing `is_deleted` as false, so "all" is the live and deleted lists.
      tunnels = await listTunnels(m, { ...filter, is_deleted: false });
      if (args["show-deleted"])
        tunnels.push(...(await listTunnels(m, { ...filter, is_deleted: true })));
    } catch (error) {
      throw m.explain(error, "list tunnels");
    }

    const sortBy = SORT_FIELDS.includes(args["sort-by"] as (typeof SORT_FIELDS)[number])
      ? args["sort-by"]
      : "name";
    const direction = args["invert-sort"] ? -1 : 1;
    tunnels.sort((a, b) => {
      const [x, y] = [sortKey(a, sortBy), sortKey(b, sortBy)];
      return (x < y ? -1 : x > y ? 1 : 0) * direction;
    });

    if (args.output) {
      printJson(tunnels);
      return;
    }
    if (tunnels.length === 0) {
      process.stdout.write(
        "No tunnels were found for the given filter flags. You can use 'burrow tunnel create' to create a tunnel.\n",
      );
      return;
    }
    const rows = tunnels.map((tunnel) => [
      tunnel.id,
      tunnel.name,
      rfc3339(tunnel.created_at),
      formatConnections(tunnel.connections ?? [], args["show-recently-disconnected"]),
    ]);
    process.stdout.write(
      "You can obtain more detailed information for each tunnel with `burrow tunnel info <name/uuid>`\n",
    );
    process.stdout.write(`${tabulate([["ID", "NAME", "CREATED", "CONNECTIONS"], ...rows])}\n`);
  },
});

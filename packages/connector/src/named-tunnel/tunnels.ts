import { ConnectorError } from "../connector-error";
import type { Management } from "./management";

/** The tunnel object fields the commands read (Cloudflare's shape). */
export interface TunnelJson {
  id: string;
  name: string;
  created_at: string;
  deleted_at: string | null;
  status?: string;
  connections?: ConnectionJson[];
}

/** One connection of a connector (`/connections`' `conns[]`, the tunnel's `connections[]`). */
export interface ConnectionJson {
  id: string;
  colo_name: string;
  opened_at: string;
  origin_ip: string;
  client_id?: string;
  client_version?: string;
  is_pending_reconnect: boolean;
}

/** One connector of `/connections`. */
export interface ConnectorJson {
  id: string;
  arch: string;
  version: string;
  run_at: string;
  conns: ConnectionJson[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether cloudflared would take `input` as a tunnel id rather than a name. */
export function isTunnelId(input: string): boolean {
  return UUID.test(input);
}

/** The list filters commands send, in the API's query names. */
export interface TunnelFilter {
  name?: string;
  uuid?: string;
  is_deleted?: boolean;
  name_prefix?: string;
  exclude_prefix?: string;
  existed_at?: string;
}

/** Every tunnel matching `filter`, all pages. */
export function listTunnels(m: Management, filter: TunnelFilter): Promise<TunnelJson[]> {
  return m.client.list<TunnelJson>(m.tunnelsPath, { ...filter });
}

function neither(inputs: string[]): ConnectorError {
  return new ConnectorError(
    inputs.length === 1
      ? `${inputs[0]} is neither the ID nor the name of any of your tunnels`
      : `Please specify either the ID or name of a tunnel. The following inputs were neither: ${inputs.join(", ")}`,
    "no live tunnel of the account has that name, and it is not a UUID",
    "see your tunnels with `burrow tunnel list`",
  );
}

/**
 * Maps names to ids against a list of live tunnels, as cloudflared's `findIDs`: a UUID-shaped
 * input is an id as is; anything else must be the name of one of `tunnels`.
 */
export function idsFromNames(tunnels: readonly TunnelJson[], inputs: readonly string[]): string[] {
  const byName = new Map(tunnels.map((tunnel) => [tunnel.name, tunnel.id]));
  const bad: string[] = [];
  const ids = inputs.map((input) => {
    if (isTunnelId(input)) return input.toLowerCase();
    const id = byName.get(input);
    if (id === undefined) bad.push(input);
    return id ?? "";
  });
  if (bad.length > 0) throw neither(bad);
  return ids;
}

/**
 * Resolves one name or id as cloudflared's `findID`: a UUID is taken as is, a name is looked up
 * with `?name=<name>&is_deleted=false`, which must return exactly one tunnel.
 */
export async function resolveTunnelId(m: Management, input: string): Promise<string> {
  if (isTunnelId(input)) return input.toLowerCase();
  let found: TunnelJson[];
  try {
    found = await listTunnels(m, { name: input, is_deleted: false });
  } catch (error) {
    throw m.explain(error, `look up tunnel ${input}`);
  }
  if (found.length === 1) return found[0]!.id;
  if (found.length === 0) throw neither([input]);
  throw new ConnectorError(
    `${found.length} live tunnels are named ${input}`,
    "a name must pick exactly one tunnel",
    "use the tunnel's id instead (see `burrow tunnel list`)",
  );
}

/** Resolves several names or ids with one list call (none when all are UUIDs), as `findIDs`. */
export async function resolveTunnelIds(
  m: Management,
  inputs: readonly string[],
): Promise<string[]> {
  if (inputs.every(isTunnelId)) return inputs.map((input) => input.toLowerCase());
  let live: TunnelJson[];
  try {
    live = await listTunnels(m, { is_deleted: false });
  } catch (error) {
    throw m.explain(error, "look up your tunnels");
  }
  return idsFromNames(live, inputs);
}

import { createScheduledController, runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import {
  createTunnel,
  getTunnel,
  hashSecret,
  listAudit,
  listDnsRecords,
  setZoneRecordId,
  type TunnelKind,
} from "@burrow/registry";
import { tunnelStub } from "@burrow/tunnel-contract";
import { CONNECT_PATH, HANDSHAKE_HEADERS } from "@burrow/wire";
import reaper from "../src/index";
import { addZoneRecord } from "./fake-zone";

/** The default threshold, REAP_AFTER_SECONDS = 300 in wrangler.toml and vitest.config.ts. */
export const FIVE_MINUTES_MS = 300_000;

/** A quick or named tunnel in D1 with one hostname, and what a connector needs to attach. */
export interface SeededTunnel {
  id: string;
  hostname: string;
  /** Standard base64 of the 32-byte secret, as the connector sends it. */
  secret: string;
  zoneRecordId: string | null;
}

/**
 * Creates a tunnel and its DNS record as the quick-tunnel Worker does; with `inZone`, the record
 * also exists in the fake Cloudflare zone and D1 keeps its zone record id.
 */
export async function seedTunnel(
  options: { kind?: TunnelKind; createdAt?: number; inZone?: boolean } = {},
): Promise<SeededTunnel> {
  const id = crypto.randomUUID();
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const hostname = `t-${id.slice(0, 8)}.localhost`;
  await createTunnel(
    env.DB,
    {
      id,
      accountTag: "0000000000000000000000000000b055",
      name: `qt-${id.replaceAll("-", "")}`,
      kind: options.kind ?? "quick",
      secretHash: await hashSecret(secret),
      createdAt: options.createdAt ?? Date.now(),
    },
    { hostname, type: "CNAME", content: `${id}.cfargotunnel.com` },
  );
  let zoneRecordId: string | null = null;
  if (options.inZone) {
    zoneRecordId = crypto.randomUUID().replaceAll("-", "");
    await addZoneRecord(zoneRecordId, hostname, `${id}.cfargotunnel.com`);
    await setZoneRecordId(env.DB, hostname, zoneRecordId);
  }
  return { id, hostname, secret: btoa(String.fromCharCode(...secret)), zoneRecordId };
}

/** Runs the reaper's cron handler at `scheduledTime` with the test env plus `vars`. */
export async function runReaper(scheduledTime: number, vars: Partial<Env> = {}): Promise<void> {
  const controller = createScheduledController({ scheduledTime, cron: "* * * * *" });
  await reaper.scheduled(controller, { ...env, ...vars });
}

/** Attaches a connector WebSocket through the edge's `/connect`, as `burrow tunnel` does. */
export async function connect(tunnel: SeededTunnel): Promise<Response> {
  return SELF.fetch(`http://127.0.0.1${CONNECT_PATH}`, {
    headers: {
      upgrade: "websocket",
      [HANDSHAKE_HEADERS.tunnelId]: tunnel.id,
      authorization: `Bearer ${tunnel.secret}`,
    },
  });
}

/** Connects and accepts the socket; fails the test if the edge refuses. */
export async function attach(tunnel: SeededTunnel): Promise<WebSocket> {
  const response = await connect(tunnel);
  if (response.status !== 101 || !response.webSocket) {
    throw new Error(`connect answered ${response.status}: ${await response.text()}`);
  }
  response.webSocket.accept();
  return response.webSocket;
}

/** Closes a connector socket and waits until D1 recorded the disconnect; returns its time. */
export async function detach(tunnel: SeededTunnel, socket: WebSocket): Promise<number> {
  socket.close(1000, "bye");
  for (let attempt = 0; attempt < 200; attempt++) {
    const row = await getTunnel(env.DB, tunnel.id);
    if (row?.connsInactiveAt != null) return row.connsInactiveAt;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`tunnel ${tunnel.id} never recorded its disconnect`);
}

/** Pretends the reaper's listing was read before a reconnect: D1 says idle since `at`. */
export async function backdateInactivity(tunnelId: string, at: number): Promise<void> {
  await env.DB.prepare("UPDATE tunnels SET conns_inactive_at = ?2 WHERE id = ?1")
    .bind(tunnelId, at)
    .run();
}

/** What is left of a tunnel: its D1 row, DNS records, audit events and Durable Object storage. */
export async function inspect(tunnelId: string) {
  const stub = tunnelStub(env.TUNNEL, tunnelId);
  const storedKeys = await runInDurableObject(stub, (_instance, state) =>
    [...state.storage.kv.list()].map(([key]) => key),
  );
  // Each connection's socket lives in its own connection object; the Tunnel DO lists them.
  const connections = (await stub.connections()).length;
  return {
    tunnel: await getTunnel(env.DB, tunnelId),
    dnsRecords: await listDnsRecords(env.DB, tunnelId),
    events: (await listAudit(env.DB, tunnelId)).map((entry) => entry.event),
    storedKeys,
    connections,
  };
}

/** A visitor request to a tunnel hostname through the edge. */
export async function visit(hostname: string): Promise<Response> {
  return SELF.fetch(`http://${hostname}/`, { headers: { accept: "application/json" } });
}

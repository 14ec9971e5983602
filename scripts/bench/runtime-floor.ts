/**
 * The runtime floor: the least any tunnel built on Workers must do, measured in the same run as
 * the tunnel and direct (runtime-floor/worker.js says what it is; peer.mjs is its connector). A
 * target the floor itself misses cannot be met by Burrow or any other Workers tunnel on this
 * machine, and the table says so next to the MISS.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { withMallocTunables } from "@burrow/connector/malloc-tunables";
import { Miniflare, type WorkerOptions } from "miniflare";
import type { HttpTarget } from "./http-target";
import { curlDownload, curlPost } from "./load-tools";
import { cpuDuring, workerdPids } from "./measure";

const GiB = 1024 * 1024 * 1024;

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The floor Worker's folder: worker.js (the Worker, its Durable Object) and peer.mjs. */
export const FLOOR_DIR = path.join(HERE, "runtime-floor");
/** The edge Worker's own date (wrangler.toml), so both run the same runtime behaviour. */
const COMPATIBILITY_DATE = "2026-04-20";

/** A running floor: where to send load, and the processes whose CPU it costs. */
export interface RuntimeFloor {
  port: number;
  host: string;
  /** The floor's own workerd (not the local edge's). */
  workerdPids: number[];
  /** The floor's connector stand-in. */
  peerPid: number;
  close(): Promise<void>;
}

/**
 * Miniflare options for the floor Worker named `name`, on a loopback socket of its own (as the
 * local edge serves the edge Worker: no Miniflare entry hop), where its peer dials `/peer`.
 */
export function floorWorkerOptions(name: string): WorkerOptions {
  return {
    name,
    modules: true,
    scriptPath: path.join(FLOOR_DIR, "worker.js"),
    // Module names are paths below this root; the default (the cwd) breaks from test/.
    modulesRoot: FLOOR_DIR,
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { FLOOR_RELAY: "FloorRelay" },
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  } as WorkerOptions;
}

/** Starts the floor Worker in a Miniflare of its own and its peer process, relaying to `origin`. */
export async function startRuntimeFloor(origin: URL): Promise<RuntimeFloor> {
  // Only this instance's runtime counts, not the local edge's workerd.
  const others = new Set(await workerdPids());
  const miniflare = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [floorWorkerOptions("floor")],
  });
  let peer: ChildProcess | undefined;
  try {
    await miniflare.ready;
    const url = await miniflare.unsafeGetDirectURL("floor");
    peer = await startFloorPeer(url, origin);
    const workerd = (await workerdPids()).filter((pid) => !others.has(pid));
    const running = peer;
    return {
      port: Number(url.port),
      host: url.host,
      workerdPids: workerd,
      peerPid: running.pid ?? 0,
      close: async () => {
        running.kill();
        await miniflare.dispose();
      },
    };
  } catch (error) {
    peer?.kill();
    await miniflare.dispose();
    throw error;
  }
}

/**
 * The floor's tunnel CPU per GiB, downloaded and uploaded: a lower bound for any Workers tunnel
 * with a Node connector, summed from the two parts each must do and measured apart —
 *
 * - workerd: a Durable Object takes in body bytes as 1 MiB WebSocket messages (the cheapest size)
 *   and writes them to the visitor's answer, or reads an upload in 1 MiB pieces and sends them on;
 *   the peer sends from one buffer and drops what it gets, and its CPU is not counted;
 * - the connector: only its origin I/O, a keep-alive GET of the same bytes read and dropped, or a
 *   POST of them from one buffer; no WebSocket, no framing.
 *
 * Real work (framing, flow control, copies, the WebSocket on the connector's side) only adds.
 */
export async function floorCpuPerGiB(
  floor: RuntimeFloor,
  http: HttpTarget,
  sizes: { downloadBytes: number; uploadBytes: number; uploadFile: string; transfers: number },
): Promise<{ down: number; up: number }> {
  const { downloadBytes, uploadBytes } = sizes;
  // One round unmeasured: the floor's body code is cold (the tunnel's gets the same round).
  await curlDownload(floor.port, floor.host, downloadBytes);
  await http.get(`/drain?n=${downloadBytes}`);
  await curlPost(floor.port, floor.host, "/upload", sizes.uploadFile, uploadBytes);
  await http.get(`/fill?n=${uploadBytes}`);
  let down = 0;
  let up = 0;
  for (let i = 0; i < sizes.transfers; i++) {
    down += (
      await cpuDuring(floor.workerdPids, () => curlDownload(floor.port, floor.host, downloadBytes))
    ).cpuSeconds;
    down += (await cpuDuring([floor.peerPid], () => http.get(`/drain?n=${downloadBytes}`)))
      .cpuSeconds;
    up += (
      await cpuDuring(floor.workerdPids, () =>
        curlPost(floor.port, floor.host, "/upload", sizes.uploadFile, uploadBytes),
      )
    ).cpuSeconds;
    up += (await cpuDuring([floor.peerPid], () => http.get(`/fill?n=${uploadBytes}`))).cpuSeconds;
  }
  return {
    down: down / ((sizes.downloadBytes * sizes.transfers) / GiB),
    up: up / ((sizes.uploadBytes * sizes.transfers) / GiB),
  };
}

/** Starts the floor's peer (peer.mjs) against the floor Worker at `floorUrl`; resolves once dialled. */
export async function startFloorPeer(floorUrl: URL, origin: URL): Promise<ChildProcess> {
  const peer = spawn(
    process.execPath,
    [path.join(FLOOR_DIR, "peer.mjs"), floorUrl.origin, origin.href],
    // The connector's malloc settings: the floor's peer gets every advantage the connector has.
    { stdio: ["ignore", "pipe", "inherit"], env: withMallocTunables(process.env) },
  );
  try {
    const [line] = (await Promise.race([
      once(peer.stdout!, "data"),
      once(peer, "exit").then(() => {
        throw new Error("the floor's peer exited before dialling");
      }),
    ])) as [Buffer];
    if (!line.toString().startsWith("ready")) throw new Error(`floor peer said ${line}`);
    return peer;
  } catch (error) {
    peer.kill();
    throw error;
  }
}

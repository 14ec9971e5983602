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
import { Miniflare } from "miniflare";
import { workerdPids } from "./measure";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The edge Worker's own date (wrangler.toml), so both run the same runtime behaviour. */
const COMPATIBILITY_DATE = "2026-04-20";

/** A running floor: where to send load, and the processes whose CPU it costs. */
export interface RuntimeFloor {
  port: number;
  host: string;
  /** The floor's own workerd and its peer: the floor's "tunnel processes". */
  pids: number[];
  close(): Promise<void>;
}

/** Starts the floor Worker in a Miniflare of its own and its peer process, relaying to `origin`. */
export async function startRuntimeFloor(origin: URL): Promise<RuntimeFloor> {
  // Only this instance's runtime counts, not the local edge's workerd.
  const others = new Set(await workerdPids());
  const miniflare = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        name: "floor",
        modules: true,
        scriptPath: path.join(HERE, "runtime-floor/worker.js"),
        // Module names are paths below this root; the default (the cwd) breaks from test/.
        modulesRoot: path.join(HERE, "runtime-floor"),
        compatibilityDate: COMPATIBILITY_DATE,
        durableObjects: { FLOOR_RELAY: "FloorRelay" },
        // Its own socket, as the local edge serves the edge Worker: no Miniflare entry hop.
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  });
  let peer: ChildProcess | undefined;
  try {
    await miniflare.ready;
    const url = await miniflare.unsafeGetDirectURL("floor");
    peer = spawn(
      process.execPath,
      [path.join(HERE, "runtime-floor/peer.mjs"), url.origin, origin.href],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const [line] = (await Promise.race([
      once(peer.stdout!, "data"),
      once(peer, "exit").then(() => {
        throw new Error("the floor's peer exited before dialling");
      }),
    ])) as [Buffer];
    if (!line.toString().startsWith("ready")) throw new Error(`floor peer said ${line}`);
    const workerd = (await workerdPids()).filter((pid) => !others.has(pid));
    const running = peer;
    return {
      port: Number(url.port),
      host: url.host,
      pids: [...workerd, running.pid ?? 0],
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

/**
 * A V8 CPU profile of one Worker isolate inside workerd, taken through the inspector Miniflare
 * opens (`inspectorPort`): the Workers' own timing, split by function, which /proc cannot give.
 * The edge isolate (`core:user:burrow-edge`) runs the edge Worker and every object of the Tunnel
 * and TunnelConnection classes, so its profile is the whole JavaScript side of a tunnelled request.
 */
import { createServer } from "node:net";
import WebSocket from "ws";

/** A Chrome DevTools CPU profile, as `Profiler.stop` answers it. */
interface IsolateProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** A free TCP port on 127.0.0.1, for the inspector. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Profiles the isolate `target` (its inspector path, e.g. `core:user:burrow-edge`) while `during`
 * runs, sampling every `intervalUs` (coarse, so the profiler adds little to what it measures).
 */
export async function profileIsolate<T>(
  inspectorPort: number,
  target: string,
  during: () => Promise<T>,
  intervalUs = 250,
): Promise<{ profile: IsolateProfile; result: T }> {
  const socket = new WebSocket(`ws://127.0.0.1:${inspectorPort}/${target}`);
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  let nextId = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call("Profiler.enable");
    await call("Profiler.setSamplingInterval", { interval: intervalUs });
    await call("Profiler.start");
    const result = await during();
    const { profile } = (await call("Profiler.stop")) as { profile: IsolateProfile };
    return { profile, result };
  } finally {
    socket.close();
  }
}

/** How a profiled function is reported: our bundled JavaScript by name, the runtime by kind. */
function kindOf(functionName: string, url: string): string {
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "runtime, no JavaScript on the stack";
  if (functionName === "(idle)") return "(idle)";
  if (url === "") return `runtime built-in: ${functionName || "(anonymous)"}`;
  return functionName || "(anonymous)";
}

/**
 * Sampled time per unit by function (self time), idle left out, largest first; `top` rows and
 * one for the rest. It is the thread's time while the profiler samples it (which slows the run
 * and inflates every row alike), so the rows are shares to compare, not CPU to add to /proc's.
 */
export function isolateRows(profile: IsolateProfile, units: number, top = 15): string[] {
  const kinds = new Map(
    profile.nodes.map((node) => [node.id, kindOf(node.callFrame.functionName, node.callFrame.url)]),
  );
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const kind = kinds.get(profile.samples[i]!) ?? "(unknown)";
    totals.set(kind, (totals.get(kind) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  totals.delete("(idle)");
  const sorted = [...totals].sort((a, b) => b[1] - a[1]);
  const all = sorted.reduce((sum, [, us]) => sum + us, 0);
  const ours = sorted
    .filter(([kind]) => kind !== "GC" && !kind.startsWith("runtime"))
    .reduce((sum, [, us]) => sum + us, 0);
  const rest = sorted.slice(top).reduce((sum, [, us]) => sum + us, 0);
  const perUnit = (us: number) => Math.round(us / units);
  return [
    `| edge isolate, V8 profile (a second run, shares only; see isolate-profile.ts) | ${perUnit(all)} |`,
    `| · of which the Workers' own JavaScript (edge Worker, Tunnel and connection objects) | ${perUnit(ours)} |`,
    ...sorted.slice(0, top).map(([kind, us]) => `| · ${kind} | ${perUnit(us)} |`),
    `| · everything else | ${perUnit(rest)} |`,
  ];
}
